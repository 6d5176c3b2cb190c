import { ConsoleClient, type DeploymentRef } from '@hearth/contracts';
import {
  pgEnv,
  registerWorkspace,
  sharedServiceKeys,
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
const TARGET = { p50RatioAt1: 1.0, throughputRatioAt64: 1.0 };

const baselineEntry = fileURLToPath(new URL('./discovery-baseline.js', import.meta.url));
const slugs = Array.from({ length: DEPLOYMENTS }, (_, i) => `bench-${String(i + 1).padStart(5, '0')}`);
const randomSlug = () => slugs[Math.floor(Math.random() * slugs.length)]!;

/**
 * getWorkspaceDeployment over NATS against the real console process, beside a minimal hand-written
 * responder reading the same 10,000 rows of the console's own table, both measured in the same run.
 */
export async function runDiscovery(): Promise<void> {
  console.log(
    `discovery: getWorkspaceDeployment over NATS, hearth vs. minimal baseline` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  await withCleanup(async (cleanup) => {
    const nats = await startNats();
    cleanup.push(() => nats.stop());

    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    // The console logs nothing at info on the request path (Nest's own messages go to debug).
    const hearth = await startConsoleProcess(
      nats.url,
      profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {},
    );
    cleanup.push(() => hearth.stop());

    await seedConsole(hearth.url, hearth.adminToken);
    await settle(hearth.db);

    const baseline: ServiceProcess = await startService(
      baselineEntry,
      { BENCH_NATS_URL: nats.url, BENCH_DATABASE: hearth.db.name, BENCH_SUBJECT: BASELINE_SUBJECT },
      'baseline ready',
    );
    cleanup.push(() => baseline.kill());

    const hearthNc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => hearthNc.close());
    const baselineNc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => baselineNc.close());
    const requests: Record<Side, (slug: string) => Promise<unknown>> = {
      hearth: hearthRequest(new ConsoleClient(hearthNc, sharedServiceKeys().verifier())),
      baseline: baselineRequest(baselineNc),
    };
    await checkSameAnswers(requests);
    await askEverySlugOnce(requests);
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
    await registerWorkspace(base, adminToken, slug);
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

/**
 * Waits until the console's outbox relay is idle (so it does not compete with the measurement), then
 * vacuums the `deployment_refs` table both sides read and takes a checkpoint, so neither pays for the
 * load during the measurement.
 */
async function settle(consoleDb: TestDatabase): Promise<void> {
  const client = new pg.Client({
    host: pgEnv.PGHOST,
    port: pgEnv.PGPORT,
    user: pgEnv.PGUSER,
    password: pgEnv.PGPASSWORD,
    database: consoleDb.name,
  });
  await client.connect();
  try {
    for (let waited = 0; ; waited += 100) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      if (rows[0]!.n === 0) break;
      if (waited > 60_000) throw new Error(`console outbox still holds ${rows[0]!.n} messages after 60 s`);
      await sleep(100);
    }
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM deployment_refs');
    if (rows[0]!.n !== DEPLOYMENTS) throw new Error(`console holds ${rows[0]!.n} deployments, not ${DEPLOYMENTS}`);
    await client.query('VACUUM ANALYZE deployment_refs');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
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

/**
 * Each side answers every slug once before the measurement, so both are measured in their steady
 * state: the console's discovery cache holds every ref, as it does for workspaces asked about often,
 * and Postgres' buffers hold every row the baseline reads.
 */
async function askEverySlugOnce(requests: Record<Side, (slug: string) => Promise<unknown>>): Promise<void> {
  for (const side of ['baseline', 'hearth'] as const) {
    let next = 0;
    await measure(() => requests[side](slugs[next++]!), { concurrency: 64, requests: slugs.length });
  }
}

function measureBoth(requests: Record<Side, (slug: string) => Promise<unknown>>): Promise<void> {
  return compareSides({
    title: `getWorkspaceDeployment over NATS, random slugs among ${whole(DEPLOYMENTS)}`,
    baseline: { request: () => requests.baseline(randomSlug()) },
    sides: [{ name: 'hearth', request: () => requests.hearth(randomSlug()), targets: TARGET }],
  });
}
