import { HatchStream } from '@hearth/contracts';
import { ensureStream, jetstreamManager } from '@hearth/platform/nats';
import {
  createTestDatabase,
  freePort,
  pgEnv,
  secretReadFixture,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  type RunningHatch,
  type TestDatabase,
  type TestNats,
  publishSigned,
  sharedServiceKeys,
} from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { summarize } from './measure.js';
import { fixed, printTable, whole } from './report.js';

const EVENTS = Number(process.env.BENCH_HATCH_EVENTS ?? 3_000);
const TAIL_SAMPLES = Number(process.env.BENCH_HATCH_TAIL_SAMPLES ?? 300);
const PUBLISH_CONCURRENCY = 64;
const RAW_STREAM = { name: 'BENCH_RAW', subjects: ['bench.raw.>'] };
const EVENT_SUBJECT = 'hatch.vault.secret.read';
/** Target: events/s recorded by hatch (chain, checkpoints, dedup ledger) over the raw consume + insert. */
const TARGET_RATIO = 0.5;

type JetStreamManager = Awaited<ReturnType<typeof jetstreamManager>>;
type ConsumerConfig = Parameters<JetStreamManager['consumers']['add']>[1];

interface Drain {
  events: number;
  seconds: number;
  perSecond: number;
}

/**
 * hatch's ingest against a hand-written baseline in the same run. Both drain the same number of
 * events already waiting in a stream: hatch (the real process) into its hash chain, the baseline by
 * consuming a stream of its own and inserting each event into a plain table, acking after the
 * insert commits. Then the live tail: publish → the SSE line reaching an auditor, p50 and p99.
 */
export async function runHatchIngest(): Promise<void> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const nats = await startNats();
    cleanup.push(() => nats.stop());
    // The console answers hatch's token checks for the live tail.
    const consoleService = await startConsoleProcess(nats.url);
    cleanup.push(() => consoleService.stop());
    const hatchDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => hatchDb.drop());
    const baselineDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => baselineDb.drop());

    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, { ...HatchStream, subjects: [...HatchStream.subjects] });
    await ensureStream(jsm, RAW_STREAM);

    const hatchPort = await freePort();
    const hatch = new HatchRunner(nats, hatchDb, hatchPort);
    cleanup.push(() => hatch.stop());
    const baseline = await Baseline.open(baselineDb, jsm);
    cleanup.push(() => baseline.close());

    // Two rounds, the order swapped in the second, so drift hits both sides alike.
    const drains: Record<'hatch' | 'baseline', Drain[]> = { hatch: [], baseline: [] };
    for (const order of [
      ['baseline', 'hatch'],
      ['hatch', 'baseline'],
    ] as const) {
      for (const side of order) {
        if (side === 'hatch') {
          await hatch.stop();
          await publishEvents(nc, EVENT_SUBJECT, EVENTS);
          drains.hatch.push(await hatch.drain(EVENTS));
        } else {
          await publishEvents(nc, 'bench.raw.secret.read', EVENTS);
          drains.baseline.push(await baseline.drain(EVENTS));
        }
      }
    }
    console.log(`\ningest: ${whole(EVENTS)} waiting events drained, twice each`);
    const perSecond = (side: 'hatch' | 'baseline') =>
      drains[side].reduce((sum, d) => sum + d.events, 0) / drains[side].reduce((sum, d) => sum + d.seconds, 0);
    printTable(
      ['side', 'round 1 /s', 'round 2 /s', 'overall /s'],
      (['baseline', 'hatch'] as const).map((side) => [
        side === 'hatch' ? 'hatch (chain, checkpoints, ledger)' : 'baseline (consume + insert)',
        whole(drains[side][0]!.perSecond),
        whole(drains[side][1]!.perSecond),
        whole(perSecond(side)),
      ]),
    );

    const tail = await measureTail(nc, `http://127.0.0.1:${hatchPort}`, consoleService.adminToken);
    const raw = await measureRawDelivery(jsm);
    console.log(`\nlive tail: ${TAIL_SAMPLES} events, one at a time, publish → line read`);
    printTable(
      ['path', 'p50 ms', 'p99 ms'],
      [
        ['hatch: publish → SSE line', fixed(tail.p50Ms, 2), fixed(tail.p99Ms, 2)],
        ['reference: publish → raw JetStream consumer', fixed(raw.p50Ms, 2), fixed(raw.p99Ms, 2)],
      ],
    );

    const ratio = perSecond('hatch') / perSecond('baseline');
    console.log('\ntargets (hatch / baseline)');
    printTable(
      ['measure', 'ratio', 'target', 'verdict'],
      [['events/s recorded', fixed(ratio, 2), `≥ ${TARGET_RATIO}`, ratio >= TARGET_RATIO ? 'PASS' : 'MISS']],
    );
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((error: unknown) => console.error('cleanup step failed:', error));
    }
  }
}

/** A SecretReadV1 as the vault publishes it, built by its contract. */
function benchRead(n: number): { id: string; body: string } {
  const event = secretReadFixture({ actor: `svc-${n % 7}`, workspace: `ws-${n % 50}` });
  return { id: event.id, body: JSON.stringify(event) };
}

/** As the vault's relay publishes: signed with the vault's key, which hatch takes audit events from only. */
function publishAsVault(js: Parameters<typeof publishSigned>[0], subject: string, event: { id: string; body: string }) {
  return publishSigned(js, sharedServiceKeys().signer('vault'), subject, JSON.parse(event.body), { msgID: event.id });
}

async function publishEvents(nc: NatsConnection, subject: string, count: number): Promise<void> {
  const js = (await jetstreamManager(nc)).jetstream();
  let next = 0;
  const publisher = async () => {
    while (next < count) {
      const event = benchRead(next++);
      await publishAsVault(js, subject, event);
    }
  };
  await Promise.all(Array.from({ length: PUBLISH_CONCURRENCY }, publisher));
}

function pgConfig(db: TestDatabase): pg.ClientConfig {
  return { host: pgEnv.PGHOST, port: pgEnv.PGPORT, user: pgEnv.PGUSER, password: pgEnv.PGPASSWORD, database: db.name };
}

/**
 * The hatch process, stopped while events pile up and started to drain them. Its rate runs from
 * the first commit seen to the last (polled every 10 ms), so start-up time does not count.
 */
class HatchRunner {
  private running: RunningHatch | null = null;
  private readonly key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  private recorded = 0;

  constructor(
    private readonly nats: TestNats,
    private readonly db: TestDatabase,
    private readonly port: number,
  ) {}

  /** Starts hatch on the events that piled up while it was stopped, and waits until it recorded `count`. */
  async drain(count: number): Promise<Drain> {
    // Its own database and port across restarts: the drain continues the log the last one left.
    this.running = await startHatchProcess(this.nats.url, {
      HATCH_DATABASE: this.db.name,
      HATCH_PORT: String(this.port),
      HATCH_SIGNING_KEY: this.key,
    });
    const client = new pg.Client(pgConfig(this.db));
    await client.connect();
    try {
      const target = this.recorded + count;
      const recorded = async () =>
        (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;
      // From the first commit of this drain to the last, as the baseline is timed.
      let first: { at: bigint; n: number } | null = null;
      const deadline = Date.now() + 300_000;
      for (let n = await recorded(); n < target; n = await recorded()) {
        if (n > this.recorded) first ??= { at: process.hrtime.bigint(), n };
        if (Date.now() > deadline) throw new Error(`hatch recorded ${n} of ${target} events in 5 minutes`);
        await sleep(10);
      }
      const end = process.hrtime.bigint();
      first ??= { at: end, n: this.recorded };
      this.recorded = target;
      const seconds = Number(end - first.at) / 1e9;
      const events = target - first.n;
      return { events, seconds, perSecond: events / seconds };
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = null;
  }
}

/**
 * The hand-written minimum: a durable pull consumer, one INSERT per event into a plain table,
 * ack after it commits. No validation, no chain, no ledger, no tracing.
 */
class Baseline {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(db: TestDatabase, jsm: JetStreamManager): Promise<Baseline> {
    const pool = new pg.Pool({ ...pgConfig(db), max: 10 });
    await pool.query(`
      CREATE TABLE raw_events (
        position bigserial PRIMARY KEY,
        event_id uuid NOT NULL,
        subject text NOT NULL,
        body jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    const config: ConsumerConfig = {
      durable_name: 'baseline',
      ack_policy: 'explicit',
      deliver_policy: 'all',
    };
    await jsm.consumers.add(RAW_STREAM.name, config);
    return new Baseline(pool, jsm);
  }

  async drain(count: number): Promise<Drain> {
    const consumer = await this.jsm.jetstream().consumers.get(RAW_STREAM.name, 'baseline');
    const messages = await consumer.consume({ max_messages: 64 });
    let taken = 0;
    let first = 0n;
    let last = 0n;
    for await (const msg of messages) {
      const body = msg.string();
      const { id } = JSON.parse(body) as { id: string };
      await this.pool.query('INSERT INTO raw_events (event_id, subject, body) VALUES ($1, $2, $3)', [
        id,
        msg.subject,
        body,
      ]);
      msg.ack();
      last = process.hrtime.bigint();
      if (taken++ === 0) first = last;
      if (taken === count) break;
    }
    messages.stop();
    const seconds = Number(last - first) / 1e9;
    return { events: count - 1, seconds, perSecond: (count - 1) / seconds };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** One event at a time: publish, then wait for its line on hatch's SSE tail. */
async function measureTail(nc: NatsConnection, base: string, token: string) {
  const js = (await jetstreamManager(nc)).jetstream();
  const stop = new AbortController();
  const response = await fetch(`${base}/v1/audit/tail`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: stop.signal,
  });
  if (response.status !== 200) throw new Error(`hatch's tail answered ${response.status}: ${await response.text()}`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const waitFor = async (id: string) => {
    for (;;) {
      if (buffer.includes(`"event_id":"${id}"`)) {
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
        return;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the tail ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const latenciesNs: bigint[] = [];
  const start = process.hrtime.bigint();
  try {
    for (let n = 0; n < TAIL_SAMPLES; n++) {
      const event = benchRead(n);
      const sent = process.hrtime.bigint();
      await publishAsVault(js, EVENT_SUBJECT, event);
      await waitFor(event.id);
      latenciesNs.push(process.hrtime.bigint() - sent);
      await sleep(5);
    }
  } finally {
    stop.abort();
  }
  return summarize([{ latenciesNs, elapsedNs: process.hrtime.bigint() - start }]);
}

/** The same, through a bare consumer: what any live tail over JetStream pays before hatch adds anything. */
async function measureRawDelivery(jsm: JetStreamManager) {
  const js = jsm.jetstream();
  const consumer = await js.consumers.get(RAW_STREAM.name, {
    filter_subjects: 'bench.raw.tail',
    deliver_policy: 'new' as ConsumerConfig['deliver_policy'],
  });
  const messages = await consumer.consume({ max_messages: 16 });
  const iterator = messages[Symbol.asyncIterator]();
  const latenciesNs: bigint[] = [];
  const start = process.hrtime.bigint();
  try {
    for (let n = 0; n < TAIL_SAMPLES; n++) {
      const event = benchRead(n);
      const sent = process.hrtime.bigint();
      await js.publish('bench.raw.tail', event.body, { msgID: event.id });
      for (;;) {
        const next = await iterator.next();
        if (next.done) throw new Error('the reference consumer ended');
        if (next.value.string().includes(event.id)) break;
      }
      latenciesNs.push(process.hrtime.bigint() - sent);
      await sleep(5);
    }
  } finally {
    messages.stop();
  }
  return summarize([{ latenciesNs, elapsedNs: process.hrtime.bigint() - start }]);
}
