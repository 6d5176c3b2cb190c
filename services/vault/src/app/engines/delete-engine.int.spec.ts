import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventMark,
  expectNewEvents,
  startPostgresCluster,
  type PostgresCluster,
  configureEngineOn,
} from '@hearth/testkit';
import { PostgresLeases } from '../../infra/postgres/lease-store.js';
import { liveLeaseOn } from '../../test/engine-fixtures.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('deleting an engine', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  beforeAll(async () => {
    [h, cluster] = await Promise.all([startVaultHarness(), startPostgresCluster()]);
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  it('deletes an engine with no live lease', async () => {
    await configureEngineOn(h.root, cluster, 'idle');
    const from = await eventMark(h.db.name);
    expect(await h.root.deleteEngine('idle')).toEqual({ name: 'idle', leases_forced: 0 });
    await expectNewEvents(h.db.name, from, [
      { type: 'EngineDeletedV1', data: { engine: 'idle', forced: false, leases_forced: 0 } },
    ]);
    await expect(h.root.engine('idle')).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  });

  it('refuses while a lease lives, and forces it off the books only with destroy', async () => {
    await configureEngineOn(h.root, cluster, 'busy', { workspace: 'acme' });
    const lease = await liveLeaseOn(h, 'busy', 'a'.repeat(24));
    await expect(h.root.deleteEngine('busy')).rejects.toMatchObject({ code: 'VAULT.ENGINE_IN_USE' });
    const { client } = await h.principal('deleter', [{ pattern: 'db/engines/*', capabilities: ['delete', 'list'] }]);
    await expect(client.deleteEngine('busy', true)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect((await h.root.engine('busy')).live_leases).toBe(1);

    const from = await eventMark(h.db.name);
    expect(await h.root.deleteEngine('busy', true)).toEqual({ name: 'busy', leases_forced: 1 });
    await expectNewEvents(h.db.name, from, [
      {
        type: 'LeaseRevokedV1',
        data: {
          lease_id: lease.leaseId,
          path: lease.leaseId,
          engine: 'busy',
          role: 'readonly',
          username: lease.username,
          workspace_slug: 'acme',
          reason: 'forced',
        },
      },
      { type: 'EngineDeletedV1', data: { engine: 'busy', forced: true, leases_forced: 1 } },
    ]);
    expect(await new PostgresLeases(h.vault.runtime.dataSource).find(lease.leaseId)).toMatchObject({ state: 'forced' });
    await expect(h.root.engine('busy')).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  });
});
