import { cryptoReady, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import type { PostgresCluster } from '@hearth/testkit';
import { availableParallelism, loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { compareSides, withCleanup } from './compare.js';
import { measure, summarize } from './measure.js';
import { startLeaseBench } from './lease-stack.js';
import { fixed, printTable } from './report.js';

const ROLE = 'bench';
/** Both sides' users start so; none may be left at the end. */
const PREFIXES = ['v_bench_', 'v_base_'];

/**
 * Dynamic Postgres users: issue + revoke through the real vault process (signed NATS requests, the
 * lease's intent and its events committed, the SCRAM verifier computed by the vault, role DDL queued per
 * engine, the password sealed to the caller) beside the hand-written way over one `pg` connection —
 * `CREATE ROLE … PASSWORD … VALID UNTIL` and the revocation set, one at a time — against a throwaway
 * scram-sha-256 cluster, in the same run.
 */
export async function runLease(): Promise<void> {
  console.log(
    `lease: issue + revoke of dynamic Postgres users, hearth vs. minimal baseline` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  await cryptoReady();
  await withCleanup(async (cleanup) => {
    const { cluster, nc, root } = await startLeaseBench(cleanup, ROLE);
    const appKeys = generatePrincipalKeys();
    await root.createPrincipal('bench-app', appKeys.publicKey);
    await root.grant('bench-app', { pattern: `db/creds/${ROLE}/*`, capabilities: ['read', 'delete'] });
    const app = new VaultClient(nc, 'bench-app', appKeys);

    const baseline = await Baseline.open(cluster);
    cleanup.push(() => baseline.close());

    await compareSides({
      title: 'issue + revoke of a Postgres user',
      baseline: { request: () => baseline.issueAndRevoke() },
      sides: [
        {
          name: 'hearth',
          request: async () => {
            const lease = await app.issueLease(ROLE);
            await app.revokeLease(lease.lease_id);
          },
          // The issue's p50 is judged on its own below; a pair's also holds the revocation.
          targets: { throughputRatioAt64: 0.8 },
        },
      ],
      segmentMs: 15_000,
      warmup: { at1: 50, at64: 500 },
    });

    // Issue alone at one caller, the sides alternating; each user revoked outside the timing.
    const issued = { hearth: [] as string[], baseline: [] as string[] };
    const issueOnly = {
      hearth: async () => issued.hearth.push((await app.issueLease(ROLE)).lease_id),
      baseline: async () => issued.baseline.push(await baseline.issue()),
    };
    const runs = {
      hearth: [] as Awaited<ReturnType<typeof measure>>[],
      baseline: [] as Awaited<ReturnType<typeof measure>>[],
    };
    for (let round = 0; round < 4; round++) {
      for (const side of round % 2 === 0 ? (['baseline', 'hearth'] as const) : (['hearth', 'baseline'] as const)) {
        runs[side].push(await measure(issueOnly[side], { concurrency: 1, requests: 100 }));
      }
      for (const id of issued.hearth.splice(0)) await app.revokeLease(id);
      for (const name of issued.baseline.splice(0)) await baseline.revoke(name);
    }
    const hearthIssue = summarize(runs.hearth);
    const baselineIssue = summarize(runs.baseline);
    const issueRatio = hearthIssue.p50Ms / baselineIssue.p50Ms;
    console.log('\nissue alone, 1 caller');
    printTable(
      ['side', 'requests', 'p50 ms', 'p99 ms'],
      [
        ['baseline', String(baselineIssue.requests), fixed(baselineIssue.p50Ms, 3), fixed(baselineIssue.p99Ms, 3)],
        ['hearth', String(hearthIssue.requests), fixed(hearthIssue.p50Ms, 3), fixed(hearthIssue.p99Ms, 3)],
      ],
    );
    const left = await baseline.usersLeft();
    printTable(
      ['measure', 'value', 'target', 'verdict'],
      [
        ['issue p50 at 1 caller (ratio)', fixed(issueRatio, 2), '≤ 1.5', issueRatio <= 1.5 ? 'PASS' : 'MISS'],
        ['bench users left in pg_roles', String(left), '0', left === 0 ? 'PASS' : 'MISS'],
      ],
    );
    const live = (await root.leases({ role: ROLE, state: 'active', limit: 1000 })).length;
    console.log(`leases still active on the vault's books: ${live}`);
  });
}

/** The hand-written way: one connection, one statement set at a time (Postgres fails concurrent role DDL). */
class Baseline {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly client: pg.Client) {}

  static async open(cluster: PostgresCluster): Promise<Baseline> {
    const client = cluster.client();
    await client.connect();
    return new Baseline(client);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  issue(): Promise<string> {
    const name = `v_base_${randomBytes(10).toString('hex')}`;
    const password = randomBytes(24).toString('base64url');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    return this.serial(async () => {
      await this.client.query(
        `CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)} VALID UNTIL ${pg.escapeLiteral(until)}`,
      );
      return name;
    });
  }

  revoke(name: string): Promise<void> {
    const role = pg.escapeIdentifier(name);
    return this.serial(async () => {
      await this.client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [name]);
      await this.client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
      await this.client.query(`DROP OWNED BY ${role}`);
      await this.client.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }

  async issueAndRevoke(): Promise<void> {
    await this.revoke(await this.issue());
  }

  async usersLeft(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_roles WHERE ${PREFIXES.map((_, i) => `starts_with(rolname, $${i + 1})`).join(' OR ')}`,
      PREFIXES,
    );
    return rows[0]?.n ?? 0;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
