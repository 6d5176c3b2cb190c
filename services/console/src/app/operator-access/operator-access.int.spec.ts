import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { createHash } from 'node:crypto';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

describe('who holds an operator token', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('is the bootstrap admin for HEARTH_BOOTSTRAP_ADMIN_TOKEN, made at start', async () => {
    expect(await h.useCases.operatorAccess.authenticate(`Bearer ${h.adminToken}`)).toMatchObject({
      name: 'bootstrap-admin',
      role: 'admin',
      createdBy: 'bootstrap',
    });
  });

  it('is nobody for a missing, malformed or unknown bearer token', async () => {
    for (const authorization of [undefined, '', h.adminToken, `Basic ${h.adminToken}`, 'Bearer not-a-token']) {
      await expect(h.useCases.operatorAccess.authenticate(authorization)).rejects.toMatchObject({
        code: ErrorCode.Unauthenticated,
      });
    }
  });

  it('is told to another service by the token’s SHA-256 alone', async () => {
    expect(await h.useCases.operatorAccess.authenticateHash(sha256(h.adminToken))).toEqual({
      name: 'bootstrap-admin',
      role: 'admin',
    });
    expect(await h.useCases.operatorAccess.authenticateHash(sha256('unknown'))).toBeNull();
  });

  it('changes with the setting: a new bootstrap value replaces the old one', async () => {
    const next = `${h.adminToken}-rotated`;
    await h.useCases.operatorAccess.bootstrap(next);
    expect(await h.useCases.operatorAccess.authenticate(`Bearer ${next}`)).toMatchObject({ name: 'bootstrap-admin' });
    await expect(h.useCases.operatorAccess.authenticate(`Bearer ${h.adminToken}`)).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
  });
});
