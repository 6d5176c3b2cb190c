import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { callers, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('revoking an operator token', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('forgets the token at once: it authenticates no more, and revoking it again finds nothing', async () => {
    const { id, token } = await h.useCases.createToken.run({ name: 'leaver', role: 'operator' }, callers.admin);
    expect(await h.useCases.revokeToken.run('leaver', callers.admin)).toEqual({ id, name: 'leaver', role: 'operator' });
    await expect(h.useCases.operatorAccess.authenticate(`Bearer ${token}`)).rejects.toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    await expect(h.useCases.revokeToken.run('leaver', callers.admin)).rejects.toMatchObject({
      code: ErrorCode.TokenNotFound,
    });
  });

  it('refuses the bootstrap admin, which its setting replaces, and any role but admin', async () => {
    await expect(h.useCases.revokeToken.run('bootstrap-admin', callers.admin)).rejects.toMatchObject({
      code: ErrorCode.InvalidRequest,
    });
    expect(await h.useCases.operatorAccess.authenticate(`Bearer ${h.adminToken}`)).toMatchObject({ role: 'admin' });
    await h.useCases.createToken.run({ name: 'kept', role: 'auditor' }, callers.admin);
    await expect(h.useCases.revokeToken.run('kept', callers.operator)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });
});
