import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, TokenCreated } from '@hearth/contracts';
import { databaseText } from '@hearth/testkit';
import { createHash } from 'node:crypto';
import { callers, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('creating an operator token', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('gives an admin a token, shown once and kept only as its SHA-256, that then authenticates', async () => {
    const created = TokenCreated.parse(
      await h.useCases.createToken.run({ name: 'ops-1', role: 'operator' }, callers.admin),
    );
    expect(created).toMatchObject({ name: 'ops-1', role: 'operator' });
    expect(await h.useCases.operatorAccess.authenticate(`Bearer ${created.token}`)).toEqual({
      id: created.id,
      name: 'ops-1',
      role: 'operator',
      createdBy: callers.admin.name,
    });
    const text = await databaseText(h.db.name);
    expect(text).toContain(createHash('sha256').update(created.token).digest('hex'));
    expect(text).not.toContain(created.token);
  });

  it('refuses a name already taken, and any role but admin', async () => {
    await expect(h.useCases.createToken.run({ name: 'ops-1', role: 'auditor' }, callers.admin)).rejects.toMatchObject({
      code: ErrorCode.TokenExists,
    });
    await expect(
      h.useCases.createToken.run({ name: 'ops-2', role: 'auditor' }, callers.operator),
    ).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });
});
