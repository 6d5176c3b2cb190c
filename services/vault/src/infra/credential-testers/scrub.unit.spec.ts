import { describe, expect, it } from '@jest/globals';
import { scrub } from './scrub.js';

describe('scrub', () => {
  const secret = 'p@ss word/+=é';

  it('removes a secret as given, URL-encoded and in base64 and base64url', () => {
    const forms = [
      secret,
      encodeURIComponent(secret),
      encodeURI(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ];
    for (const form of forms) {
      expect(scrub(`failed: postgres://app:${form}@db:5432 (${form})`, [secret])).toBe(
        'failed: postgres://app:[redacted]@db:5432 ([redacted])',
      );
    }
  });

  it('removes a longer secret before a shorter one it contains, and leaves other words alone', () => {
    expect(scrub('token abc123456 and abc', ['abc', 'abc123456'])).toBe('token [redacted] and [redacted]');
    expect(scrub('password authentication failed for user app', ['hunter2', ''])).toBe(
      'password authentication failed for user app',
    );
  });

  it("turns a server's control characters (escape sequences, line breaks, NUL) into spaces", () => {
    expect(scrub('FATAL: \u001b[2J\u001b]0;owned\u0007 no\r\nway\u0000', [])).toBe('FATAL:  [2J ]0;owned  no way ');
  });
});
