import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, startNats, type TestDatabase, type TestNats } from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { createLogger } from '../logging/logger.js';
import { connectNats, ensureStream } from '../nats/connection.js';
import { IdempotentConsumer } from '../nats/idempotent-consumer.js';
import { openDatabase, poolOf } from '../postgres/database.js';
import { PlatformSchema1763800000000 } from '../postgres/platform-schema.migration.js';
import { enqueue } from './outbox.js';
import { OutboxRelay } from './relay.js';

const MESSAGES = 2_000;
const logger = createLogger({ service: 'test', level: 'silent' });

async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('outbox relay', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, {
      database: db.name,
      migrations: [PlatformSchema1763800000000],
      applicationName: 'test',
    });
    nc = await connectNats(nats.url, 'test');
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, { name: 'RELAYED', subjects: ['relayed.>'] });
    await dataSource.query('CREATE TABLE received (message_id text, body jsonb)');
  });
  afterAll(async () => {
    await nc?.close();
    await dataSource?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  it('delivers every message exactly once to a consumer after the relay is killed mid-batch', async () => {
    const ids = Array.from({ length: MESSAGES }, () => randomUUID());
    await dataSource.transaction((tx) =>
      enqueue(
        tx,
        ids.map((id, n) => ({ id, subject: `relayed.${n % 7}`, payload: { n } })),
      ),
    );

    // A relay in a process of its own, killed without warning once it is under way.
    const child = spawn(process.execPath, ['packages/platform/dist/outbox/relay.fixture.js'], {
      env: { ...process.env, NATS_URL: nats.url, RELAY_DATABASE: db.name, LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    await until(async () => (await jsm.streams.info('RELAYED')).state.messages >= 300);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const [{ left }] = await dataSource.query<[{ left: number }]>('SELECT count(*)::int AS left FROM outbox');
    expect(left).toBeGreaterThan(0); // killed before it finished: the test proves a resume, not a clean run

    const relay = new OutboxRelay(poolOf(dataSource), jsm.jetstream(), logger, { batchSize: 100 });
    await relay.start();
    await until(async () => (await relay.lagSeconds()) === 0);
    await relay.stop();
    expect((await jsm.streams.info('RELAYED')).state.messages).toBe(MESSAGES);

    const consumer = new IdempotentConsumer(
      dataSource,
      jsm.jetstream(),
      jsm,
      logger,
      { stream: 'RELAYED', durable: 'receiver' },
      (message, tx) => tx.query('INSERT INTO received VALUES ($1, $2)', [message.id, JSON.stringify(message.body)]),
    );
    await consumer.start();
    await until(async () => {
      const [{ n }] = await dataSource.query<[{ n: number }]>('SELECT count(*)::int AS n FROM received');
      return n >= MESSAGES;
    });
    await consumer.stop();

    const rows = await dataSource.query<Array<{ message_id: string; times: number }>>(
      'SELECT message_id, count(*)::int AS times FROM received GROUP BY message_id',
    );
    expect(rows).toHaveLength(MESSAGES);
    expect(rows.every((r) => r.times === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.message_id))).toEqual(new Set(ids));
  });

  it('applies a message published again after the duplicate window once', async () => {
    await ensureStream(jsm, { name: 'AGAIN', subjects: ['again.>'], duplicate_window: 100_000_000 });
    const id = randomUUID();
    await jsm.jetstream().publish('again.x', JSON.stringify({ n: 1 }), { msgID: id });
    await sleep(300);
    await jsm.jetstream().publish('again.x', JSON.stringify({ n: 1 }), { msgID: id });
    expect((await jsm.streams.info('AGAIN')).state.messages).toBe(2); // JetStream no longer dedupes it

    const consumer = new IdempotentConsumer(
      dataSource,
      jsm.jetstream(),
      jsm,
      logger,
      { stream: 'AGAIN', durable: 'again' },
      (message, tx) => tx.query('INSERT INTO received VALUES ($1, $2)', [message.id, JSON.stringify(message.body)]),
    );
    await consumer.start();
    await until(
      async () =>
        (await jsm.consumers.info('AGAIN', 'again')).num_ack_pending === 0 &&
        (await jsm.consumers.info('AGAIN', 'again')).num_pending === 0,
    );
    await consumer.stop();
    const [{ n }] = await dataSource.query<[{ n: number }]>(
      'SELECT count(*)::int AS n FROM received WHERE message_id = $1',
      [id],
    );
    expect(n).toBe(1);
  });
});
