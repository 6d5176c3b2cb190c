import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { eventMark, expectNewEvents, startPostgresCluster, type PostgresCluster } from '@hearth/testkit';
import { PostgresLeases } from '../../infra/postgres/lease-store.js';
import { configureOn } from '../../test/engine-fixtures.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('deleting an engine', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  let leases: PostgresLeases;
  beforeAll(async () => {
    [h, cluster] = await Promise.all([startVaultHarness(), startPostgresCluster()]);
    leases = new PostgresLeases(h.vault.runtime.dataSource);
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  /** A live lease on `engine`, as the issue would have left it. */
  async function leaseOn(engine: string, id: string) {
    const now = new Date();
    const lease = {
      leaseId: `db/creds/readonly/${id}`,
      role: 'readonly',
      engine,
      workspace: 'acme',
      username: `v_readonly_${id}`,
      state: 'active' as const,
      revocation: [],
      issuedBy: 'app',
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 3600_000),
      maxExpiresAt: new Date(now.getTime() + 7200_000),
      revokedAt: null,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
    };
    await new TypeOrmUnitOfWork(h.vault.runtime.dataSource).run((tx) => leases.insert(tx, lease));
    return lease;
  }

  it('deletes an engine with no live lease', async () => {
    await configureOn(h, cluster, 'idle');
    const from = await eventMark(h.db.name);
    expect(await h.root.deleteEngine('idle')).toEqual({ name: 'idle', leases_forced: 0 });
    await expectNewEvents(h.db.name, from, [
      { type: 'EngineDeletedV1', data: { engine: 'idle', forced: false, leases_forced: 0 } },
    ]);
    await expect(h.root.engine('idle')).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  });

  it('refuses while a lease lives, and forces it off the books only with destroy', async () => {
    await configureOn(h, cluster, 'busy', { workspace: 'acme' });
    const lease = await leaseOn('busy', 'a'.repeat(24));
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
    expect(await leases.find(lease.leaseId)).toMatchObject({ state: 'forced' });
    await expect(h.root.engine('busy')).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  });
});
