import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  generateServiceKeys,
  publishSigned,
  pgEnv,
  startNats,
  streamMessages,
  until,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { createLogger } from '../logging/logger.js';
import { connectNats, ensureStream } from '../nats/connection.js';
import { SettledConsumer } from '../nats/settled-consumer.js';
import { openDatabase } from '../postgres/database.js';
import { FastPath } from '../postgres/fast-path.js';
import { OutboxEntity } from '../postgres/platform-entities.js';
import { ParkedMessageTable } from '../postgres/parked-messages.js';
import { processedMessages } from '../postgres/processed-messages.js';
import { managerOf, TypeOrmUnitOfWork } from '../postgres/unit-of-work.js';
import { AuditJournal } from './audit-journal.js';
import { enqueue } from './outbox.js';
import { OutboxRelay } from './relay.js';

const MESSAGES = 2_000;
const logger = createLogger({ service: 'test', level: 'silent' });
/** The relays here sign as the vault; the consumers take the vault's signed messages only. */
const keys = generateServiceKeys();
const signer = keys.signer('vault');
const verifier = keys.verifier();

describe('outbox relay', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  /** A relay in a process of its own, to be killed without warning or to be seen surviving. */
  const spawnRelay = (env: Record<string, string> = {}) =>
    spawn(process.execPath, ['packages/platform/test/dist/relay-process.js'], {
      env: {
        ...process.env,
        NATS_URL: nats.url,
        RELAY_DATABASE: db.name,
        RELAY_SIGNING_KEY: keys.env('vault').VAULT_SIGNING_KEY!,
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: 'ignore',
    });
  const relayBackends = (where: string, on: DataSource = dataSource) =>
    on.query<Array<{ pid: number }>>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'relay-fixture' AND ${where}`,
    );
  const enqueueMany = (subject: string, n: number) =>
    new TypeOrmUnitOfWork(dataSource).run((tx) =>
      enqueue(
        tx,
        Array.from({ length: n }, (_, i) => ({ id: randomUUID(), subject, payload: { i } })),
      ),
    );

  /** A consumer that records each message once in `received`: its id claimed in the same transaction. */
  const receiveOnce = async (stream: string, durable: string) => {
    const consumer = new SettledConsumer(jsm.jetstream(), jsm, logger, new ParkedMessageTable(dataSource), verifier, {
      stream,
      durable,
      from: 'vault',
    });
    await consumer.start((message) =>
      new TypeOrmUnitOfWork(dataSource).run(async (tx) => {
        if (!(await processedMessages.claim(tx, durable, message.id))) return;
        await managerOf(tx).query('INSERT INTO received VALUES ($1, $2)', [message.id, JSON.stringify(message.body)]);
      }),
    );
    return consumer;
  };

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, {
      database: db.name,
      migrations: [],
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
    await new TypeOrmUnitOfWork(dataSource).run((tx) =>
      enqueue(
        tx,
        ids.map((id, n) => ({ id, subject: `relayed.${n % 7}`, payload: { n } })),
      ),
    );

    // SHARE mode lets the relay lock its batch (FOR UPDATE) and publish it, but holds its DELETE: the
    // kill then lands, for certain, after a batch reached JetStream and before the outbox forgot it.
    const holder = await new FastPath(dataSource).connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE outbox IN SHARE MODE');
    const child = spawnRelay();
    await until(async () => (await jsm.streams.info('RELAYED')).state.messages >= 50);
    await until(async () => (await relayBackends("wait_event_type = 'Lock'")).length > 0);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await holder.query('ROLLBACK');
    holder.release();

    const published = (await streamMessages(jsm, 'RELAYED')).map((m) => m.headers['Nats-Msg-Id']);
    const waiting = new Set(
      (await dataSource.query<Array<{ id: string }>>('SELECT message_id::text AS id FROM outbox')).map((r) => r.id),
    );
    expect(published).toHaveLength(50); // one whole batch was out …
    expect(published.every((id) => waiting.has(id!))).toBe(true); // … and is still in the outbox, to go again
    expect(waiting.size).toBe(MESSAGES);

    const relay = new OutboxRelay(new FastPath(dataSource), jsm.jetstream(), signer, logger, {
      batchSize: 100,
    });
    await relay.start();
    await until(async () => (await relay.lagSeconds()) === 0);
    await relay.stop();
    // The batch sent twice is stored once: JetStream dropped the copies by Nats-Msg-Id.
    expect((await jsm.streams.info('RELAYED')).state.messages).toBe(MESSAGES);

    const consumer = await receiveOnce('RELAYED', 'receiver');
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

  it('survives its Postgres connections being terminated, LISTENs again and relays what follows', async () => {
    await ensureStream(jsm, { name: 'SURVIVE', subjects: ['survive.>'] });
    // A poll far longer than the test: messages arriving in time prove the LISTEN came back.
    const child = spawnRelay({ RELAY_POLL_MS: '600000' });
    try {
      await until(async () => (await relayBackends("query = 'LISTEN outbox'")).length > 0);
      const [first] = await relayBackends("query = 'LISTEN outbox'");
      await enqueueMany('survive.before', 10);
      await until(async () => (await jsm.streams.info('SURVIVE')).state.messages === 10);

      const terminated = await dataSource.query<Array<{ ok: boolean }>>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'relay-fixture'`,
      );
      expect(terminated.length).toBeGreaterThan(0);
      await until(async () =>
        (await relayBackends("query = 'LISTEN outbox'")).some((backend) => backend.pid !== first!.pid),
      );

      await enqueueMany('survive.after', 100);
      await until(async () => (await jsm.streams.info('SURVIVE')).state.messages === 110, { timeoutMs: 10_000 });
      expect(child.exitCode).toBeNull(); // still the same process
      expect(child.signalCode).toBeNull();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  });

  it('applies a message published again after the duplicate window once', async () => {
    await ensureStream(jsm, { name: 'AGAIN', subjects: ['again.>'], duplicate_window: 100_000_000 });
    const id = randomUUID();
    await publishSigned(jsm.jetstream(), signer, 'again.x', { n: 1 }, { msgID: id });
    await sleep(300); // past the 100 ms duplicate window: a span of time, not a wait for an event
    await publishSigned(jsm.jetstream(), signer, 'again.x', { n: 1 }, { msgID: id });
    expect((await jsm.streams.info('AGAIN')).state.messages).toBe(2); // JetStream no longer dedupes it

    const consumer = await receiveOnce('AGAIN', 'again');
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

  it('enqueues more messages at once than one statement can bind, all or none', async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => ({ id: randomUUID(), subject: 'unrelayed.x', payload: i }));
    const uow = new TypeOrmUnitOfWork(dataSource);
    const count = () => dataSource.getRepository(OutboxEntity).countBy({ subject: 'unrelayed.x' });
    await expect(
      uow.run(async (tx) => {
        await enqueue(tx, many);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count()).toBe(0);
    await uow.run((tx) => enqueue(tx, many));
    expect(await count()).toBe(12_000);
    await dataSource.getRepository(OutboxEntity).delete({ subject: 'unrelayed.x' });
  });

  it('numbers the audit events it relays gap-free, journals them, and publishes a range again on request', async () => {
    await ensureStream(jsm, { name: 'AUDITED', subjects: ['hatch.>'] });
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await new TypeOrmUnitOfWork(dataSource).run((tx) =>
      enqueue(tx, [
        ...ids.map((id, n) => ({ id, subject: 'hatch.test.thing', payload: { n } })),
        { id: randomUUID(), subject: 'relayed.unaudited', payload: {} }, // not numbered
      ]),
    );
    const fastPath = new FastPath(dataSource);
    const relay = new OutboxRelay(fastPath, jsm.jetstream(), signer, logger, { batchSize: 2 });
    await relay.start();
    await until(async () => (await relay.lagSeconds()) === 0);
    await relay.stop();

    const numbered = () =>
      streamMessages(jsm, 'AUDITED').then((messages) =>
        messages.map((m) => [
          m.headers['Hearth-Origin'],
          Number(m.headers['Hearth-Source-Seq']),
          m.headers['Nats-Msg-Id'],
        ]),
      );
    expect(await numbered()).toEqual(ids.map((id, i) => ['vault', i + 1, id]));

    const journal = new AuditJournal(fastPath, nc, jsm.jetstream(), signer, logger);
    expect(await journal.head()).toEqual({ head: 5 });
    await dataSource.query('DELETE FROM audit_journal WHERE source_seq = 4');
    expect(await journal.replay({ from: 2, to: 6 })).toEqual({
      republished: 3,
      missing: [
        { from: 4, to: 4 },
        { from: 6, to: 6 },
      ],
    });
    // Published again as they were, numbers and all, the id in Hearth-Msg-Id: under Nats-Msg-Id JetStream
    // would drop the copy of a deleted message for its whole duplicate window.
    const again = (await streamMessages(jsm, 'AUDITED')).slice(5);
    expect(again.map((m) => [Number(m.headers['Hearth-Source-Seq']), m.headers['Hearth-Msg-Id']])).toEqual([
      [2, ids[1]],
      [3, ids[2]],
      [5, ids[4]],
    ]);
    expect(again.every((m) => m.headers['Nats-Msg-Id'] === undefined)).toBe(true);
  });

  it('relays again as soon as NATS is back, not after the retry wait it was in', async () => {
    const failures: number[] = [];
    const watching = createLogger({
      service: 'test',
      level: 'warn',
      destination: {
        write: (line: string) => {
          const entry = JSON.parse(line) as { msg?: string; failures?: number };
          if (entry.msg === 'outbox relay failed; retrying') failures.push(entry.failures ?? 0);
        },
      },
    });
    const own = await connectNats(nats.url, 'test');
    await enqueueMany('outage.held', 1);
    // A retry wait of 2 minutes after the first failure: only NATS coming back can end it within the
    // test's 30 s (later tries, should JetStream still be starting, wait 100 ms).
    const RETRY_WAIT_MS = 120_000;
    const relay = new OutboxRelay(new FastPath(dataSource), jetstream(own), signer, watching, {
      connection: own,
      backoffMs: (failed) => (failed === 1 ? RETRY_WAIT_MS : 100),
    });
    await relay.start();
    try {
      // No stream takes outage.> yet, so the first try fails and the relay waits.
      await until(() => failures.length >= 1, { what: 'the relay waiting after a failure' });
      await ensureStream(jsm, { name: 'OUTAGE', subjects: ['outage.>'] });
      await nats.restart();
      // The outbox forgets a message once JetStream has acked it.
      const relayed = async () =>
        (await dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM outbox`))[0]!.n === 0;
      await until(relayed, { timeoutMs: 30_000, what: 'the message relayed once NATS answered' });
      // Asked until the test's own connection is back too: a request sent while it reconnects times out.
      const stored = async () => (await jsm.streams.info('OUTAGE').catch(() => null))?.state.messages;
      await until(async () => (await stored()) !== undefined, { what: 'the stream answering' });
      expect(await stored()).toBe(1);
    } finally {
      await relay.stop();
      await own.close();
    }
  });

  it('runs one relay at a time over an outbox shared by replicas: in outbox order, numbered once, a killed one taken over', async () => {
    // Its own server and database: the audit numbering starts at 1, and `hatch.>` is this test's stream.
    const ownNats = await startNats();
    const ownDb = await createTestDatabase('hearth_platform');
    const own = await openDatabase(pgEnv, { database: ownDb.name, migrations: [], applicationName: 'test' });
    const ownNc = await connectNats(ownNats.url, 'test');
    const ownJsm = await jetstreamManager(ownNc);
    const relays: Array<ReturnType<typeof spawnRelay>> = [];
    const replica = () => {
      const child = spawnRelay({ NATS_URL: ownNats.url, RELAY_DATABASE: ownDb.name, RELAY_POLL_MS: '200' });
      relays.push(child);
      return child;
    };
    const listening = async () => (await relayBackends("query = 'LISTEN outbox'", own)).length;
    let next = 0;
    const enqueueAudit = (n: number) =>
      new TypeOrmUnitOfWork(own).run((tx) =>
        enqueue(
          tx,
          Array.from({ length: n }, () => ({ id: randomUUID(), subject: 'hatch.test.thing', payload: { n: next++ } })),
        ),
      );
    try {
      await ensureStream(ownJsm, { name: 'SHARED', subjects: ['hatch.>'] });
      await enqueueAudit(1_000);
      // The first relay publishes a batch and is held before it can forget it (as above); the second
      // finds the turn taken. Then the first is killed: its batch goes again, from the second.
      const holder = await new FastPath(own).connect();
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE outbox IN SHARE MODE');
      const first = replica();
      await until(async () => (await ownJsm.streams.info('SHARED')).state.messages >= 50);
      await until(async () => (await relayBackends("wait_event_type = 'Lock'", own)).length > 0);
      replica();
      await until(async () => (await listening()) === 2);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      await holder.query('ROLLBACK');
      holder.release();
      await until(async () => (await own.getRepository(OutboxEntity).count()) === 0, { timeoutMs: 20_000 });

      // Two live relays, woken by the same notifications, while events keep coming in small transactions.
      replica();
      await until(async () => (await listening()) === 2);
      for (let i = 0; i < 20; i++) await enqueueAudit(50);
      await until(async () => (await own.getRepository(OutboxEntity).count()) === 0, { timeoutMs: 20_000 });

      const sent = (await streamMessages(ownJsm, 'SHARED')).map((m) => ({
        n: (JSON.parse(Buffer.from(m.data).toString('utf8')) as { n: number }).n,
        seq: Number(m.headers['Hearth-Source-Seq']),
      }));
      // Each event once, in the order the outbox holds them, numbered 1.. in that order: what hatch checks.
      expect(sent.map((m) => m.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
      expect(sent.map((m) => m.seq)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
      const [{ journaled }] = await own.query<[{ journaled: number }]>(
        'SELECT count(DISTINCT source_seq)::int AS journaled FROM audit_journal',
      );
      expect(journaled).toBe(2_000);
    } finally {
      for (const child of relays) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
        }
      }
      await ownNc.close();
      await own.destroy();
      await ownDb.drop();
      await ownNats.stop();
    }
  });
});
