import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from './errors.js';
import { scramVerifier } from './scram.js';

describe('SCRAM-SHA-256 verifiers', () => {
  it('are what Postgres 15 itself stores for the password and salt', async () => {
    // From `CREATE ROLE … PASSWORD 'pencil'; SELECT rolpassword FROM pg_authid` on Postgres 15.
    const fromPostgres =
      'SCRAM-SHA-256$4096:JU9n/T8pN1d3TqXckfNhZA==$7Ves//IxfggFxFwbwhKRkrAxDRfVA3yuSt2onMGeUN8=:ox5noyoPYLjNKtjwEK/xnCtL0RfQgee9WLks/w6mUUk=';
    expect(await scramVerifier('pencil', { salt: Buffer.from('JU9n/T8pN1d3TqXckfNhZA==', 'base64') })).toBe(
      fromPostgres,
    );
  });

  it('take a fresh 16-byte salt each time and never hold the password', async () => {
    const password = randomBytes(32).toString('base64url');
    const [a, b] = await Promise.all([scramVerifier(password), scramVerifier(password)]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toContain(password);
  });

  it('refuse a password Postgres would normalise first, without naming it', async () => {
    await expect(scramVerifier('pässwörd')).rejects.toMatchObject({ code: ErrorCode.EngineCredential });
    await expect(scramVerifier('pässwörd')).rejects.not.toThrow(/pässwörd/);
  });
});
