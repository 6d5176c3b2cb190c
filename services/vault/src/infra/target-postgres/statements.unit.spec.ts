import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { scrub, secretsOf } from './failures.js';
import { renderStatements } from './statements.js';

const verifier =
  'SCRAM-SHA-256$4096:JU9n/T8pN1d3TqXckfNhZA==$7Ves//IxfggFxFwbwhKRkrAxDRfVA3yuSt2onMGeUN8=:ox5noyoPYLjNKtjwEK/xnCtL0RfQgee9WLks/w6mUUk=';
const expiresAt = new Date('2026-12-02T13:00:00Z');

describe('rendered statements', () => {
  it('quote the name as an identifier and the verifier and expiration as literals', () => {
    const [create] = renderStatements(
      'creation',
      ["CREATE ROLE {{name}} LOGIN PASSWORD '{{password}}' VALID UNTIL {{expiration}}"],
      { username: 'v_ro_abc', verifier, expiresAt },
    );
    expect(create).toEqual({
      label: 'creation_statements[0]',
      sql: `CREATE ROLE "v_ro_abc" LOGIN PASSWORD '${verifier}' VALID UNTIL '2026-12-02T13:00:00.000Z'`,
    });
  });

  it('keep a hostile name inside its identifier quotes', () => {
    const [grant] = renderStatements('creation', ['GRANT x TO {{name}}'], { username: 'a"; DROP ROLE postgres; --' });
    expect(grant!.sql).toBe('GRANT x TO "a""; DROP ROLE postgres; --"');
  });

  it('are the built-in ones when a role has none, named as such', () => {
    expect(renderStatements('renew', [], { username: 'v_x', expiresAt })).toEqual([
      {
        label: 'the built-in renew statement "ALTER ROLE {{name}} VALID UNTIL {{expiration}}"',
        sql: `ALTER ROLE "v_x" VALID UNTIL '2026-12-02T13:00:00.000Z'`,
      },
    ]);
    expect(renderStatements('revocation', [], { username: 'v_x' }).map((s) => s.sql)).toEqual([
      'REASSIGN OWNED BY "v_x" TO CURRENT_USER',
      'DROP OWNED BY "v_x"',
      'DROP ROLE IF EXISTS "v_x"',
    ]);
  });

  it('refuse a role`s statement with a placeholder its kind has no value for', () => {
    expect(() =>
      renderStatements('revocation', ['ALTER ROLE {{name}} PASSWORD {{password}}'], { username: 'v_x' }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.RoleInvalid }));
  });
});

describe('scrubbed messages', () => {
  it('lose the verifier, whole or any piece of it Postgres quotes', () => {
    const secrets = secretsOf(verifier);
    const salt = 'JU9n/T8pN1d3TqXckfNhZA==';
    for (const message of [
      `invalid input syntax for type timestamp: "${verifier}"`,
      `syntax error at or near "${salt}"`,
    ]) {
      const scrubbed = scrub(message, secrets);
      expect(scrubbed).toContain('[redacted]');
      for (const piece of secrets) expect(scrubbed).not.toContain(piece);
    }
  });
});
