import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventMark } from '@hearth/testkit';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('listing secrets', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
    for (const path of ['hearth/x', 'hearth/x/a', 'hearth/xy', 'hearth/y'])
      await h.root.write({ path, values: { K: 'listed-value' }, tags: { team: 'core' } });
  });
  afterAll(() => h?.close());

  it('lists only the rows the caller may list: an allow on hearth/* does not reach under a deny on hearth/x/*', async () => {
    const { client } = await h.principal('lister', [
      { pattern: 'hearth/*', capabilities: ['list'] },
      { pattern: 'hearth/x/*', capabilities: ['list'], effect: 'deny' },
    ]);
    const listed = (await client.list('hearth/')).map((s) => s.path);
    expect(listed).toEqual(expect.arrayContaining(['hearth/xy', 'hearth/y']));
    expect(listed).not.toContain('hearth/x');
    expect(listed).not.toContain('hearth/x/a');
    await expect(client.list('hearth/x')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(client.list('hearth/x/')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect((await h.root.list('hearth/x')).map((s) => s.path)).toEqual(['hearth/x', 'hearth/x/a', 'hearth/xy']);
  });

  it('answers metadata, never a value', async () => {
    const [secret] = await h.root.list('hearth/y');
    expect(secret).toEqual({
      path: 'hearth/y',
      current_version: 1,
      provider: 'USER',
      tags: { team: 'core' },
      description: null,
      expires_at: null,
      value_names: ['K'],
      updated_at: expect.any(String) as unknown,
      type: 'generic',
      type_version: null,
      environment: 'production',
      active: true,
      fields: {},
      last_tested: null,
      test_status: null,
      test_message: null,
      rotation_days: null,
      next_rotation_at: null,
      pending_version: null,
      last_rotated_at: null,
    });
    expect(JSON.stringify(await h.root.list(''))).not.toContain('listed-value');
    expect(await h.root.versions('hearth/y')).toEqual([
      { version: 1, created_at: expect.any(String) as unknown, created_by: 'root', deleted: false, destroyed: false },
    ]);
  });

  it('refuses a list prefix outside the path grammar as VAULT.INVALID_PATH, on the record', async () => {
    const { client } = await h.principal('prefix-prober', [{ pattern: 'hearth/*', capabilities: ['list'] }]);
    const from = await eventMark(h.db.name);
    for (const prefix of ['hearth/\u0000', 'hearth/../', 'hearth//'])
      await expect(client.list(prefix)).rejects.toMatchObject({ code: 'VAULT.INVALID_PATH' });
    expect(await h.refusalsSince(from)).toEqual(
      ['hearth/\\u0000', 'hearth/../', 'hearth//'].map((path) =>
        refusal('AccessDeniedV1', 'prefix-prober', 'VAULT.INVALID_PATH', { capability: 'list', path }),
      ),
    );
  });
});
