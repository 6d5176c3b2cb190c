import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventMark, expectNewEvents, queryDatabase } from '@hearth/testkit';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('changing versions', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  it('soft-deletes, undeletes and destroys versions; a destroyed one is gone for good', async () => {
    await h.root.write({ path: 'hearth/w4', values: { K: 'v1-value' } });
    await h.root.write({ path: 'hearth/w4', values: { K: 'v2-value' } });
    const from = await eventMark(h.db.name);
    expect(await h.root.delete('hearth/w4', [2])).toEqual({ path: 'hearth/w4', versions: [2] });
    await expect(h.root.read('hearth/w4')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    expect(await h.root.undelete('hearth/w4', [2])).toEqual({ path: 'hearth/w4', versions: [2] });
    expect((await h.root.read('hearth/w4')).values.K).toBe('v2-value');
    expect(await h.root.destroy('hearth/w4')).toEqual({ path: 'hearth/w4', versions: [1, 2] });
    await expect(h.root.read('hearth/w4', 1)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    const [row] = await queryDatabase<{ wrapped_dek: unknown; ciphertext: unknown }>(
      h.db.name,
      "SELECT wrapped_dek, ciphertext FROM secret_versions WHERE path = 'hearth/w4' AND version = 2",
    );
    expect(row).toEqual({ wrapped_dek: null, ciphertext: null });
    expect((await h.root.versions('hearth/w4')).map((v) => v.destroyed)).toEqual([true, true]);
    const change = { path: 'hearth/w4', workspace_slug: 'w4', by: 'root' };
    await expectNewEvents(h.db.name, from, [
      { type: 'SecretVersionsDeletedV1', data: { ...change, versions: [2] } },
      { type: 'SecretReadV1', data: { outcome: 'NOT_FOUND', version: 2 } },
      { type: 'SecretVersionsUndeletedV1', data: { ...change, versions: [2] } },
      { type: 'SecretReadV1', data: { outcome: 'OK', version: 2 } },
      { type: 'SecretVersionsDestroyedV1', data: { ...change, versions: [1, 2], reason: 'destroy' } },
      { type: 'SecretReadV1', data: { outcome: 'NOT_FOUND', version: 1 } },
    ]);
  });

  it('changes only what applies, and refuses versions a path never had', async () => {
    await h.root.write({ path: 'hearth/w6', values: { K: 'v1-value' } });
    await h.root.delete('hearth/w6', [1]);
    const from = await eventMark(h.db.name);
    expect(await h.root.delete('hearth/w6', [1])).toEqual({ path: 'hearth/w6', versions: [] });
    await expect(h.root.delete('hearth/w6', [7])).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    await expect(h.root.destroy('hearth/never')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'root', 'VAULT.SECRET_NOT_FOUND', { capability: 'delete', path: 'hearth/w6' }),
      refusal('AccessDeniedV1', 'root', 'VAULT.SECRET_NOT_FOUND', { capability: 'destroy', path: 'hearth/never' }),
    ]);
  });

  it('asks delete for delete and undelete, and destroy for destroy', async () => {
    await h.root.write({ path: 'hearth/w7', values: { K: 'v1-value' } });
    const { client } = await h.principal('deleter', [{ pattern: 'hearth/*', capabilities: ['delete'] }]);
    expect(await client.delete('hearth/w7', [1])).toEqual({ path: 'hearth/w7', versions: [1] });
    expect(await client.undelete('hearth/w7', [1])).toEqual({ path: 'hearth/w7', versions: [1] });
    await expect(client.destroy('hearth/w7')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it('destroys only with the destroy capability: write and delete are not enough', async () => {
    await h.root.write({ path: 'hearth/d1', values: { K: 'kept-value' } });
    const { client } = await h.principal('no-destroyer', [
      { pattern: 'hearth/*', capabilities: ['write', 'delete', 'list'] },
    ]);
    const from = await eventMark(h.db.name);
    await expect(client.destroy('hearth/d1')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(client.destroy('hearth/d1', [1])).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'no-destroyer', 'VAULT.POLICY_DENIED', { capability: 'destroy', path: 'hearth/d1' }),
      refusal('AccessDeniedV1', 'no-destroyer', 'VAULT.POLICY_DENIED', { capability: 'destroy', path: 'hearth/d1' }),
    ]);
    expect((await h.root.read('hearth/d1')).values.K).toBe('kept-value');
    const { client: destroyer } = await h.principal('destroyer', [{ pattern: 'hearth/*', capabilities: ['destroy'] }]);
    expect(await destroyer.destroy('hearth/d1')).toEqual({ path: 'hearth/d1', versions: [1] });
  });
});
