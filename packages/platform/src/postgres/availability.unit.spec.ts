import { describe, expect, it } from '@jest/globals';
import { isDatabaseUnavailable } from './availability.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('whether an error says the database could not be reached', () => {
  it('is so for a socket that reaches no database, a lost connection and a server that will not serve', () => {
    expect(isDatabaseUnavailable(withCode('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('08006'))).toBe(true); // connection failure
    expect(isDatabaseUnavailable(withCode('57P01'))).toBe(true); // admin shutdown
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isDatabaseUnavailable(withCode('55000', 'database "hearth_vault" is not currently accepting connections')),
    ).toBe(true);
    // TypeORM's QueryFailedError, looked into.
    expect(isDatabaseUnavailable({ message: 'query failed', driverError: withCode('ECONNRESET') })).toBe(true);
  });

  it('is not so for a statement that failed, whatever its message repeats of the caller’s input', () => {
    expect(isDatabaseUnavailable(withCode('23505', 'duplicate key value'))).toBe(false);
    expect(
      isDatabaseUnavailable(withCode('22P02', 'invalid input syntax for type uuid: "Connection terminated"')),
    ).toBe(false);
    expect(isDatabaseUnavailable(withCode('55000', 'cannot refresh materialized view concurrently'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
