import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { EventStore, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { randomIds, systemClock } from '@hearth/platform/runtime';
import { eventMark, eventsSince, startPostgresCluster, until, type PostgresCluster } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AuditedEventStore } from '../../infra/postgres/audited-events.js';
import { PostgresEngines, PostgresLeases } from '../../infra/postgres/lease-store.js';
import { TargetPostgres } from '../../infra/target-postgres/target-postgres.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { AuditTrail } from '../audit-trail.js';
import type { StoredLease } from '../ports.js';
import { LEASE_SWEEPER, LeaseSweeper } from './lease-sweeper.js';

const MINUTE = 60_000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * The vault's own sweeper, fast: every 200 ms, 3 attempts, retries within 50–500 ms, a `creating`
 * intent taken for a crash after 30 s. Leases are set up as issue leaves them: a role made on a real
 * scram-sha-256 cluster with a password, its lease row written through PostgresLeases.
 */
describe('the lease sweeper', () => {
  let h: VaultHarness;
  let alpha: PostgresCluster;
  let beta: PostgresCluster;
  let leases: PostgresLeases;
  let unitOfWork: TypeOrmUnitOfWork;

  /** An engine on `cluster`, its root credential written where the machinery reads it. */
  async function engine(name: string, cluster: PostgresCluster): Promise<void> {
    const rootPath = `infra/postgres/${name}/root`;
    await h.root.write({ path: rootPath, values: { username: cluster.user, password: cluster.password } });
    const engines = new PostgresEngines(h.vault.runtime.dataSource);
    await unitOfWork.run((tx) =>
      engines.save(tx, {
        name,
        host: cluster.host,
        port: cluster.port,
        database: 'postgres',
        sslmode: 'disable',
        rootPath,
        workspace: `ws-${name}`,
        rotationDays: null,
        rootVersion: 1,
        rotation: null,
        lastRotatedAt: null,
        updatedAt: new Date(),
      }),
    );
  }

  /** `sql` as the cluster's superuser, on a connection of its own (a paused cluster ends the ones it had). */
  async function asAdmin<R extends pg.QueryResultRow>(
    cluster: PostgresCluster,
    sql: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    const { host, port, user, password } = cluster;
    const client = new pg.Client({ host, port, user, password, database: 'postgres' });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Users made as issue makes them: able to log in with a password, until a backstop VALID UNTIL. */
  async function makeUsers(cluster: PostgresCluster, usernames: readonly string[]): Promise<void> {
    const statements = usernames.map(
      (u) => `CREATE ROLE ${pg.escapeIdentifier(u)} LOGIN PASSWORD ${pg.escapeLiteral(hex(16))} VALID UNTIL 'infinity'`,
    );
    await asAdmin(cluster, statements.join(';'));
  }

  async function existing(cluster: PostgresCluster, usernames: readonly string[]): Promise<string[]> {
    const rows = await asAdmin<{ rolname: string }>(cluster, 'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [
      usernames,
    ]);
    return rows.map((row) => row.rolname);
  }

  /** Lease rows as issue writes them (`role` is `engine`'s reader), expired a minute ago unless `shape` says otherwise. */
  function leaseRows(
    engineName: string,
    count: number,
    shape: Partial<Pick<StoredLease, 'state' | 'issuedAt' | 'expiresAt' | 'revocation'>> = {},
  ): StoredLease[] {
    const role = `${engineName}-reader`;
    const issuedAt = shape.issuedAt ?? new Date(Date.now() - 10 * MINUTE);
    return Array.from({ length: count }, () => {
      const username = `v_${engineName}_${hex(8)}`;
      return {
        leaseId: `db/creds/${role}/${hex(12)}`,
        role,
        engine: engineName,
        workspace: `ws-${engineName}`,
        username,
        state: shape.state ?? 'active',
        revocation: shape.revocation ?? [],
        issuedBy: 'svc-reporting',
        issuedAt,
        expiresAt: shape.expiresAt ?? new Date(Date.now() - MINUTE),
        maxExpiresAt: new Date(issuedAt.getTime() + 60 * MINUTE),
        revokedAt: null,
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
      };
    });
  }

  /** Written through the store, once their users exist: the sweeper may take them at once. */
  async function insert(...groups: StoredLease[][]): Promise<void> {
    await unitOfWork.run(async (tx) => {
      for (const lease of groups.flat()) await leases.insert(tx, lease);
    });
  }

  const stored = async (rows: readonly StoredLease[]) =>
    (await leases.list({ engine: rows[0]!.engine, limit: 100_000 })).filter((l) =>
      rows.some((r) => r.leaseId === l.leaseId),
    );
  const allRevoked = async (rows: readonly StoredLease[]) =>
    (await stored(rows)).every((l) => l.state === 'revoked') && (await stored(rows)).length === rows.length;
  const usernames = (rows: readonly StoredLease[]) => rows.map((l) => l.username);

  beforeAll(async () => {
    [alpha, beta] = await Promise.all([startPostgresCluster(), startPostgresCluster()]);
    h = await startVaultHarness({
      VAULT_LEASE_SWEEP_SECONDS: '0.2',
      VAULT_LEASE_REVOKE_ATTEMPTS: '3',
      VAULT_LEASE_RETRY_BASE_SECONDS: '0.05',
      VAULT_LEASE_RETRY_CAP_SECONDS: '0.5',
      VAULT_LEASE_CREATING_SECONDS: '30',
    });
    leases = new PostgresLeases(h.vault.runtime.dataSource);
    unitOfWork = new TypeOrmUnitOfWork(h.vault.runtime.dataSource);
    await engine('alpha', alpha);
    await engine('beta', beta);
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([alpha?.stop(), beta?.stop()]);
  });

  it('revokes expired leases, and rolls back intents a crash left, made or not; young intents and live leases stay', async () => {
    const mark = await eventMark(h.db.name);
    const longAgo = new Date(Date.now() - 5 * MINUTE);
    const [expired] = leaseRows('alpha', 1);
    const [crashedMade] = leaseRows('alpha', 1, { state: 'creating', issuedAt: longAgo });
    const [crashedUnmade] = leaseRows('alpha', 1, { state: 'creating', issuedAt: longAgo });
    const [issuing] = leaseRows('alpha', 1, { state: 'creating', issuedAt: new Date() });
    const [live] = leaseRows('alpha', 1, { expiresAt: new Date(Date.now() + 60 * MINUTE) });
    await makeUsers(alpha, usernames([expired!, crashedMade!, issuing!, live!]));
    await insert([expired!, crashedMade!, crashedUnmade!, issuing!, live!]);

    const ended = [expired!, crashedMade!, crashedUnmade!];
    await until(() => allRevoked(ended), { what: 'the expired lease and both crashed intents revoked' });

    expect(await existing(alpha, usernames(ended))).toEqual([]);
    const revocations = await eventsSince(h.db.name, mark, { type: 'LeaseRevokedV1' });
    const byLease = (x: Record<string, unknown>, y: Record<string, unknown>) =>
      String(x.lease_id).localeCompare(String(y.lease_id));
    const expected = (lease: StoredLease, reason: string) => ({
      path: lease.leaseId,
      lease_id: lease.leaseId,
      role: lease.role,
      engine: 'alpha',
      username: lease.username,
      workspace_slug: 'ws-alpha',
      by: LEASE_SWEEPER,
      reason,
    });
    expect(revocations.map((e) => e.data).sort(byLease)).toEqual(
      [
        expected(expired!, 'expired'),
        expected(crashedMade!, 'rolled_back'),
        expected(crashedUnmade!, 'rolled_back'),
      ].sort(byLease),
    );
    expect(revocations.every((e) => e.metadata.actor === LEASE_SWEEPER)).toBe(true);
    expect((await stored([issuing!, live!])).map((l) => l.state).sort()).toEqual(['active', 'creating']);
    expect((await existing(alpha, usernames([issuing!, live!]))).sort()).toEqual(usernames([issuing!, live!]).sort());
  });

  it('gives up on a revocation that keeps failing: irrevocable after the last attempt, with its error, recorded once', async () => {
    const mark = await eventMark(h.db.name);
    const [stuck] = leaseRows('alpha', 1, { revocation: ['DROP TABLE hearth_no_such_table'] });
    await makeUsers(alpha, [stuck!.username]);
    await insert([stuck!]);

    await until(async () => (await leases.find(stuck!.leaseId))?.state === 'irrevocable', {
      what: 'the lease irrevocable',
    });

    const gaveUp = await leases.find(stuck!.leaseId);
    expect(gaveUp).toMatchObject({ attempts: 3, nextAttemptAt: null, revokedAt: null });
    expect(gaveUp!.lastError).toContain('hearth_no_such_table');
    const events = await eventsSince(h.db.name, mark);
    expect(events.filter((e) => e.type === 'LeaseRevokedV1')).toEqual([]);
    expect(events.filter((e) => e.type === 'LeaseIrrevocableV1').map((e) => e.data)).toEqual([
      expect.objectContaining({
        lease_id: stuck!.leaseId,
        username: stuck!.username,
        engine: 'alpha',
        attempts: 3,
        last_error: gaveUp!.lastError,
      }),
    ]);
  });

  it('outlasts an engine database down while 200 leases expire: reads keep answering, then every lease is revoked', async () => {
    const mark = await eventMark(h.db.name);
    await h.root.write({ path: 'app/reporting', values: { TOKEN: 'read-me' } });
    const expiring = leaseRows('alpha', 200, { expiresAt: new Date(Date.now() + 1_000) });
    await makeUsers(alpha, usernames(expiring));

    await alpha.pause();
    try {
      await insert(expiring);
      await until(() => Date.now() > expiring[0]!.expiresAt.getTime(), { what: 'the leases expired' });
      // The sweeper meets the dead database, and says so on the leases it claimed…
      const unavailable = async () =>
        new Map(
          (await stored(expiring))
            .filter((l) => l.lastError?.startsWith(ErrorCode.EngineUnavailable))
            .map((l) => [l.leaseId, l.nextAttemptAt?.getTime()]),
        );
      await until(async () => (await unavailable()).size > 0, { what: 'the sweeper finding the engine unavailable' });
      const firstTry = await unavailable();
      // …while the vault's reads answer…
      for (let n = 0; n < 20; n++) expect((await h.root.read('app/reporting')).values).toEqual({ TOKEN: 'read-me' });
      // …and tries it again later.
      await until(async () => [...(await unavailable())].some(([id, at]) => firstTry.get(id) !== at), {
        what: 'the sweeper trying the engine again',
      });
      // An unreachable database is not the leases' fault: no attempt counted, none given up on.
      expect((await stored(expiring)).filter((l) => l.attempts > 0 || l.state !== 'active')).toEqual([]);
    } finally {
      await alpha.resume();
    }

    await until(() => allRevoked(expiring), { what: 'all 200 leases revoked once the database is back' });
    expect(await existing(alpha, usernames(expiring))).toEqual([]);
    const revoked = await eventsSince(h.db.name, mark, { type: 'LeaseRevokedV1' });
    expect(new Set(revoked.map((e) => e.data.lease_id))).toEqual(new Set(expiring.map((l) => l.leaseId)));
    expect(await eventsSince(h.db.name, mark, { type: 'LeaseIrrevocableV1' })).toEqual([]);
  });

  it("revokes one engine's expired leases while another engine's database is down", async () => {
    const onAlpha = leaseRows('alpha', 5);
    const onBeta = leaseRows('beta', 5);
    await makeUsers(beta, usernames(onBeta));
    await makeUsers(alpha, usernames(onAlpha));

    await alpha.pause();
    try {
      await insert(onAlpha, onBeta);
      await until(() => allRevoked(onBeta), { what: "beta's leases revoked" });
      expect(await existing(beta, usernames(onBeta))).toEqual([]);
      expect((await stored(onAlpha)).every((l) => l.state === 'active' && l.attempts === 0)).toBe(true);
    } finally {
      await alpha.resume();
    }
    await until(() => allRevoked(onAlpha), { what: "alpha's leases revoked once its database is back" });
    expect(await existing(alpha, usernames(onAlpha))).toEqual([]);
  });

  it('shares the work with another vault: each lease revoked once, its event recorded once', async () => {
    const mark = await eventMark(h.db.name);
    const { host, port, user: username, password } = alpha;
    const secondTarget = new TargetPostgres((engine) =>
      Promise.resolve({ engine, host, port, database: 'postgres', sslmode: 'disable', username, password }),
    );
    // A second vault's sweeper over the same database, beside the harness vault's own.
    const second = new LeaseSweeper(
      new PostgresLeases(h.vault.runtime.dataSource),
      secondTarget,
      unitOfWork,
      new AuditTrail(new AuditedEventStore(new EventStore()), systemClock, randomIds),
      systemClock,
      { error: () => undefined },
      { everyMs: 100, creatingStandsMs: MINUTE, backoff: { baseMs: 50, capMs: 500, maxAttempts: 3 } },
    );
    const expired = leaseRows('alpha', 100);
    await makeUsers(alpha, usernames(expired));
    second.start();
    try {
      await insert(expired);
      await until(() => allRevoked(expired), { what: 'the 100 leases revoked' });
    } finally {
      await second.stop();
      await secondTarget.close();
    }
    expect(await existing(alpha, usernames(expired))).toEqual([]);
    const revoked = (await eventsSince(h.db.name, mark, { type: 'LeaseRevokedV1' })).map((e) => e.data.lease_id);
    expect(revoked.sort()).toEqual(expired.map((l) => l.leaseId).sort());
  });

  it('logs a round that failed and runs the next', async () => {
    const failures: Array<Record<string, unknown>> = [];
    let rounds = 0;
    const store = new PostgresLeases(h.vault.runtime.dataSource);
    const flaky = {
      enginesDue: () => (++rounds === 1 ? Promise.reject(new Error('vault database gone')) : Promise.resolve([])),
      claimDue: store.claimDue.bind(store),
      find: store.find.bind(store),
      update: store.update.bind(store),
    };
    const target = new TargetPostgres(() => Promise.reject(new Error('no engine is asked here')));
    const sweeper = new LeaseSweeper(
      flaky,
      target,
      unitOfWork,
      { record: () => Promise.resolve() },
      { now: () => new Date() },
      { error: (fields) => failures.push(fields) },
      { everyMs: 20, creatingStandsMs: MINUTE, backoff: { baseMs: 10, capMs: 100, maxAttempts: 3 } },
    );
    sweeper.start();
    try {
      await until(() => rounds >= 2, { what: 'a second round' });
    } finally {
      await sweeper.stop();
    }
    expect(failures).toEqual([{ err: expect.objectContaining({ message: 'vault database gone' }) as unknown }]);
  });
});
