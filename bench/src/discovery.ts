import { ConsoleClient, type DeploymentRef } from '@hearth/contracts';
import {
  createTestDatabase,
  pgEnv,
  startConsoleProcess,
  startNats,
  startService,
  type ServiceProcess,
  type TestDatabase,
} from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { compareSides, withCleanup, type Side } from './compare.js';
import { measure, summarize } from './measure.js';
import { fixed, whole } from './report.js';

const DEPLOYMENTS = 10_000;
const SEED_CONCURRENCY = 32;
const BASELINE_SUBJECT = 'bench.baseline.deployment.get';
/** Targets: hearth/baseline p50 at one caller, and throughput at 64 callers. */
const TARGET = { p50RatioAt1: 1.5, throughputRatioAt64: 0.6 };

const baselineEntry = fileURLToPath(new URL('./discovery-baseline.js', import.meta.url));
const slugs = Array.from({ length: DEPLOYMENTS }, (_, i) => `bench-${String(i + 1).padStart(5, '0')}`);
const randomSlug = () => slugs[Math.floor(Math.random() * slugs.length)]!;

/**
 * getWorkspaceDeployment over NATS against the real console process, beside a minimal hand-written
 * responder over a copy of the same 10,000 rows, both measured in the same run.
 */
export async function runDiscovery(): Promise<void> {
  console.log(
    `discovery: getWorkspaceDeployment over NATS, hearth vs. minimal baseline` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  await withCleanup(async (cleanup) => {
    const nats = await startNats();
    cleanup.push(() => nats.stop());
    const baselineDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => baselineDb.drop());

    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    // The console logs nothing at info on the request path (Nest's own messages go to debug).
    const hearth = await startConsoleProcess(
      nats.url,
      profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {},
    );
    cleanup.push(() => hearth.stop());

    await seedConsole(hearth.url, hearth.adminToken);
    await copyRefs(hearth.db, baselineDb);

    const baseline: ServiceProcess = await startService(
      baselineEntry,
      { BENCH_NATS_URL: nats.url, BENCH_DATABASE: baselineDb.name, BENCH_SUBJECT: BASELINE_SUBJECT },
      'baseline ready',
    );
    cleanup.push(() => baseline.kill());

    const hearthNc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => hearthNc.close());
    const baselineNc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => baselineNc.close());
    const requests: Record<Side, (slug: string) => Promise<unknown>> = {
      hearth: hearthRequest(new ConsoleClient(hearthNc)),
      baseline: baselineRequest(baselineNc),
    };
    await checkSameAnswers(requests);
    await measureBoth(requests);
  });
}

function hearthRequest(client: ConsoleClient) {
  return async (slug: string): Promise<DeploymentRef> => {
    const ref = await client.getWorkspaceDeployment(slug);
    if (ref?.workspace_slug !== slug) throw new Error(`hearth: no deployment for ${slug}`);
    return ref;
  };
}

function baselineRequest(nc: NatsConnection) {
  return async (slug: string): Promise<unknown> => {
    const reply = await nc.request(BASELINE_SUBJECT, JSON.stringify({ slug }), { timeout: 5_000 });
    const row = reply.json<{ workspace_slug?: string } | null>();
    if (row?.workspace_slug !== slug) throw new Error(`baseline: no deployment for ${slug}: ${reply.string()}`);
    return row;
  };
}

/** 10,000 deployments through the console's own HTTP API, as an operator would create them. */
async function seedConsole(base: string, adminToken: string): Promise<void> {
  let next = 0;
  const create = async () => {
    const slug = slugs[next++]!;
    const response = await fetch(`${base}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }),
    });
    if (response.status !== 201) throw new Error(`creating ${slug}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const seeded = summarize([await measure(create, { concurrency: SEED_CONCURRENCY, requests: DEPLOYMENTS })]);
  console.log(`seeded ${whole(seeded.requests)} deployments over HTTP at ${whole(seeded.perSecond)}/s`);
}

function pgClient(db: TestDatabase): pg.Client {
  return new pg.Client({
    host: pgEnv.PGHOST,
    port: pgEnv.PGPORT,
    user: pgEnv.PGUSER,
    password: pgEnv.PGPASSWORD,
    database: db.name,
  });
}

/**
 * Waits until the console's outbox relay is idle (so it does not compete with the measurement), then
 * copies its `deployment_refs` rows into a table of the same shape for the baseline. Both tables are
 * vacuumed and a checkpoint taken, so neither side pays for the load during the measurement.
 */
async function copyRefs(consoleDb: TestDatabase, baselineDb: TestDatabase): Promise<void> {
  const source = pgClient(consoleDb);
  const target = pgClient(baselineDb);
  await source.connect();
  try {
    await target.connect();
    for (let waited = 0; ; waited += 100) {
      const { rows } = await source.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      if (rows[0]!.n === 0) break;
      if (waited > 60_000) throw new Error(`console outbox still holds ${rows[0]!.n} messages after 60 s`);
      await sleep(100);
    }
    const { rows } = await source.query<Record<string, unknown>>(
      `SELECT workspace_slug, tier, driver, endpoint, secrets_vault_path, created, last_status, stream_version
       FROM deployment_refs ORDER BY workspace_slug`,
    );
    if (rows.length !== DEPLOYMENTS) throw new Error(`console holds ${rows.length} deployments, not ${DEPLOYMENTS}`);
    // The shape of the console's deployment_refs (console-schema.migration.ts).
    await target.query(`
      CREATE TABLE deployment_refs (
        workspace_slug text PRIMARY KEY,
        tier text NOT NULL,
        driver text NOT NULL,
        endpoint text NOT NULL,
        secrets_vault_path text NOT NULL,
        created timestamptz NOT NULL,
        last_status text NOT NULL,
        stream_version integer NOT NULL
      )`);
    await target.query('CREATE INDEX deployment_refs_status ON deployment_refs (last_status, workspace_slug)');
    const column = (name: string) => rows.map((row) => row[name]);
    await target.query(
      `INSERT INTO deployment_refs
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                            $7::text[], $8::int[])`,
      [
        'workspace_slug',
        'tier',
        'driver',
        'endpoint',
        'secrets_vault_path',
        'created',
        'last_status',
        'stream_version',
      ].map(column),
    );
    await source.query('VACUUM ANALYZE deployment_refs');
    await target.query('VACUUM ANALYZE deployment_refs');
    await target.query('CHECKPOINT');
  } finally {
    await source.end();
    await target.end().catch(() => undefined);
  }
}

/** Both sides must answer the same slug with the same ref, or the comparison means nothing. */
async function checkSameAnswers(requests: Record<Side, (slug: string) => Promise<unknown>>): Promise<void> {
  for (const slug of [slugs[0]!, randomSlug(), slugs.at(-1)!]) {
    const [hearth, baseline] = await Promise.all([requests.hearth(slug), requests.baseline(slug)]);
    if (!isDeepStrictEqual(hearth, baseline)) {
      throw new Error(
        `answers differ for ${slug}:\n  hearth   ${JSON.stringify(hearth)}\n  baseline ${JSON.stringify(baseline)}`,
      );
    }
  }
}

function measureBoth(requests: Record<Side, (slug: string) => Promise<unknown>>): Promise<void> {
  return compareSides({
    title: `getWorkspaceDeployment over NATS, random slugs among ${whole(DEPLOYMENTS)}`,
    requests: { hearth: () => requests.hearth(randomSlug()), baseline: () => requests.baseline(randomSlug()) },
    targets: TARGET,
  });
}
