import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain } from '@hearth/audit-chain';
import {
  createTestDatabase,
  freePort,
  pgEnv,
  startNats,
  startService,
  type ServiceProcess,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { secretRead, SECRET_READ_SUBJECT } from './test/audit-events.js';
import { readChain } from './test/read-chain.js';

const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const OUTAGE_MS = 30_000;

/**
 * hatch as a process (the build in dist/), killed and starved of its database while events keep
 * arriving: afterwards every event is in the log exactly once, in stream order, and the chain holds.
 */
describe('hatch, killed and cut off from its database mid-stream', () => {
  const key = generateKeyPairSync('ed25519');
  let nats: TestNats;
  let db: TestDatabase;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let admin: pg.Client;
  let hatch: ServiceProcess | null = null;

  const start = async () =>
    startService(
      entry,
      {
        NATS_URL: nats.url,
        HATCH_DATABASE: db.name,
        HATCH_PORT: String(await freePort()),
        HATCH_SIGNING_KEY: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        HATCH_CHECKPOINT_EVERY: '25',
        HATCH_CHECKPOINT_SECONDS: '1',
        LOG_LEVEL: 'info',
      },
      'hatch ready',
    );
  const allowConnections = (allow: boolean) =>
    admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
  const inDatabase = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ ...connection(), database: db.name });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const recorded = () =>
    inDatabase(async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n);
  const until = async (condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_hatch');
    admin = new pg.Client({ ...connection(), database: 'postgres' });
    await admin.connect();
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
  });
  afterAll(async () => {
    await hatch?.kill();
    await nc?.close();
    await allowConnections(true).catch(() => undefined);
    await admin?.end();
    await db?.drop();
    await nats?.stop();
  });

  it('stores every event exactly once, in stream order, and the chain verifies', async () => {
    hatch = await start();
    const published: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const event = secretRead({ actor: `svc-${published.length}` });
        await js.publish(SECRET_READ_SUBJECT, JSON.stringify(event), { msgID: event.id });
        published.push(event.id);
        await sleep(15);
      }
    })();

    // Killed mid-stream, with no chance to finish what it was doing; events keep coming meanwhile.
    await until(async () => (await recorded()) >= 40, 'hatch recorded 40 events');
    await hatch.kill('SIGKILL');
    await sleep(1_000);
    hatch = await start();
    const beforeOutage = published.length;
    await until(async () => (await recorded()) >= beforeOutage, 'hatch caught up after its restart');

    // Its Postgres "stopped" for 30 s, as the issue asks, while events keep coming. The server is
    // shared with the other tests running in parallel, so it is not stopped for real: hatch's own
    // database refuses new connections and its open ones are cut, which is what hatch sees of a
    // stopped server (connection refused, then errors on every query) without harming anyone else.
    await allowConnections(false);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db.name]);
    const publishedBeforeCut = published.length;
    await sleep(OUTAGE_MS);
    const publishedDuringCut = published.length - publishedBeforeCut;
    await allowConnections(true);
    expect(publishedDuringCut).toBeGreaterThan(100);

    const afterOutage = published.length;
    await until(async () => (await recorded()) >= afterOutage, 'hatch caught up after the outage');
    publishing = false;
    await publisher;
    await until(async () => (await recorded()) >= published.length, 'hatch recorded the last events');
    await sleep(1_500); // anything recorded twice would show up by now; and the timer signs the head

    const { records, checkpoints } = await inDatabase((c) =>
      readChain({ query: async (sql) => (await c.query<Record<string, unknown>>(sql)).rows }),
    );
    expect(records.map((r) => r.event_id)).toEqual(published);
    expect(records.map((r) => r.seq)).toEqual(published.map((_, i) => i + 1));
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(verifyChain(records, checkpoints, key.publicKey)).toMatchObject({ ok: true, lastSeq: published.length });
  }, 240_000);
});

function connection() {
  return { host: pgEnv.PGHOST, port: pgEnv.PGPORT, user: pgEnv.PGUSER, password: pgEnv.PGPASSWORD };
}
