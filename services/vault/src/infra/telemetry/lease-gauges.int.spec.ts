import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { InMemoryMetrics, startPostgresCluster, until, type PostgresCluster } from '@hearth/testkit';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoredLease } from '../../app/ports.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { PostgresEngines, PostgresLeases } from '../postgres/lease-store.js';
import { TargetPostgres } from '../target-postgres/target-postgres.js';
import { observeLeases } from './lease-gauges.js';

const MINUTE = 60_000;

/** The lease gauges as a collector reads them, over the vault's database and a real engine's DDL queue. */
describe('the lease gauges', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  let target: TargetPostgres;
  const reader = new InMemoryMetrics();

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    // The vault's own sweeper looks once, at start, and not again during the test: expired leases stay.
    h = await startVaultHarness({ VAULT_LEASE_SWEEP_SECONDS: '3600' });
    const { host, port, user: username, password } = cluster;
    target = new TargetPostgres((engine) =>
      Promise.resolve({ engine, host, port, database: 'postgres', sslmode: 'disable', username, password }),
    );
    const dataSource = h.vault.runtime.dataSource;
    const engines = new PostgresEngines(dataSource);
    await new TypeOrmUnitOfWork(dataSource).run((tx) =>
      engines.save(tx, {
        name: 'alpha',
        host,
        port,
        database: 'postgres',
        sslmode: 'disable',
        rootPath: 'infra/postgres/alpha/root',
        workspace: null,
        rotationDays: null,
        rootVersion: 1,
        rotation: null,
        lastRotatedAt: null,
        updatedAt: new Date(),
      }),
    );
    observeLeases(
      new PostgresLeases(dataSource),
      engines,
      target,
      { now: () => new Date() },
      new MeterProvider({ readers: [reader] }).getMeter('vault'),
    );
  });
  afterAll(async () => {
    await target?.close();
    await h?.close();
    await cluster?.stop();
  });

  it('counts live leases per role, expired ones not yet revoked, and irrevocable ones', async () => {
    const leases = new PostgresLeases(h.vault.runtime.dataSource);
    const now = Date.now();
    const lease = (role: string, state: StoredLease['state'], expiresIn: number): StoredLease => ({
      leaseId: `db/creds/${role}/${randomBytes(12).toString('hex')}`,
      role,
      engine: 'alpha',
      workspace: null,
      username: `v_${randomBytes(8).toString('hex')}`,
      state,
      revocation: [],
      issuedBy: 'svc-reporting',
      issuedAt: new Date(now - 10 * MINUTE),
      expiresAt: new Date(now + expiresIn),
      maxExpiresAt: new Date(now + 60 * MINUTE),
      revokedAt: null,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
    });
    await new TypeOrmUnitOfWork(h.vault.runtime.dataSource).run(async (tx) => {
      for (const row of [
        lease('reader', 'active', 30 * MINUTE),
        lease('reader', 'active', -MINUTE), // expired, not yet revoked: live until the sweeper takes it
        lease('reader', 'creating', 30 * MINUTE),
        lease('writer', 'active', 30 * MINUTE),
        lease('writer', 'irrevocable', -30 * MINUTE),
        lease('writer', 'revoked', -30 * MINUTE),
      ])
        await leases.insert(tx, row);
    });

    expect(await reader.values()).toMatchObject({
      'vault.leases.live{role=reader}': 3,
      'vault.leases.live{role=writer}': 1,
      'vault.leases.expired_unrevoked': 1,
      'vault.leases.irrevocable': 1,
      'vault.lease_ddl.queue_depth{engine=alpha}': 0,
    });
  });

  it("reports an engine's DDL queue depth: the calls waiting behind one that is blocked", async () => {
    const username = `v_${randomBytes(8).toString('hex')}`;
    const admin = cluster.client();
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${pg.escapeIdentifier(username)} LOGIN`);
      // An open transaction holding the user's row: the revocation's ALTER ROLE waits for it.
      await admin.query(`BEGIN; ALTER ROLE ${pg.escapeIdentifier(username)} CONNECTION LIMIT 5`);
      const calls = [
        target.dropUser('alpha', username, []),
        ...Array.from({ length: 3 }, () => target.userExists('alpha', username)),
      ];
      await until(() => target.queueDepth('alpha') === 3, { what: 'three calls queued behind the blocked one' });
      expect((await reader.values())['vault.lease_ddl.queue_depth{engine=alpha}']).toBe(3);

      await admin.query('ROLLBACK');
      await Promise.all(calls);
      expect((await reader.values())['vault.lease_ddl.queue_depth{engine=alpha}']).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
