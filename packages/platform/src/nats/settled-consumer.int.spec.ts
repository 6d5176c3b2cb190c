import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import {
  createTestDatabase,
  pgEnv,
  publishSigned,
  sharedServiceKeys,
  startNats,
  until,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createLogger } from '../logging/logger.js';
import { openDatabase } from '../postgres/database.js';
import { ParkedMessageTable } from '../postgres/parked-messages.js';
import { connectNats, ensureStream, jetstreamManager } from './connection.js';
import { SettledConsumer, type InboundMessage } from './settled-consumer.js';

const logger = createLogger({ service: 'test', level: 'silent' });

/** The settled consumer on a real stream, parking into a real parked_messages table. */
describe('a settled consumer: no message stalls it', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let parked: ParkedMessageTable;
  const consumers: SettledConsumer[] = [];

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, { database: db.name, migrations: [], applicationName: 'test' });
    parked = new ParkedMessageTable(dataSource);
    nc = await connectNats(nats.url, 'test');
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop();
    await nc?.close();
    await dataSource?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  /** A stream of its own and a consumer on it that hands every message to `handle`. */
  async function consume(
    name: string,
    handle: (message: InboundMessage) => Promise<void>,
    spec: { maxDeliver?: number; orderKey?: (body: unknown) => string | null } = {},
  ) {
    await ensureStream(jsm, { name, subjects: [`${name}.>`] });
    const consumer = new SettledConsumer(jsm.jetstream(), jsm, logger, parked, sharedServiceKeys().verifier(), {
      stream: name,
      durable: name.toLowerCase(),
      from: 'vault',
      maxAckPending: 64,
      ...spec,
    });
    consumers.push(consumer);
    await consumer.start(handle);
    // Signed as the vault, which the consumer takes messages from: what is refused is refused for what it is.
    return (body: unknown, msgID: string = randomUUID()) =>
      typeof body === 'string'
        ? jsm.jetstream().publish(`${name}.x`, body, { msgID })
        : publishSigned(jsm.jetstream(), sharedServiceKeys().signer('vault'), `${name}.x`, body, { msgID });
  }

  const parkedOf = async (consumer: string) => (await parked.latest()).filter((p) => p.consumer === consumer).reverse();

  it('parks what is invalid or refused for good, with its reason and a redacted excerpt, and takes what follows', async () => {
    const handled: unknown[] = [];
    const publish = await consume('POISON', ({ body }) => {
      if ((body as { refuse?: boolean }).refuse) throw new HearthError(ErrorCode.IllegalTransition, 'not now');
      handled.push(body);
      return Promise.resolve();
    });
    await publish('{"not": json');
    await publish({ n: 0 }, 'x'.repeat(6_000));
    await publish({ refuse: true, password: 'hunter2' });
    await publish({ n: 1 });
    await until(async () => handled.length === 1 && (await parkedOf('poison')).length === 3, {
      what: 'the poison parked and the message after it taken',
    });
    expect(handled).toEqual([{ n: 1 }]);
    const [notJson, hugeId, refused] = await parkedOf('poison');
    expect(notJson).toMatchObject({ reason: 'invalid', detail: 'not JSON', excerpt: null, stream_seq: 1 });
    expect(hugeId).toMatchObject({ reason: 'invalid', stream_seq: 2, excerpt: null });
    expect(hugeId!.message_id).toHaveLength(200);
    // A secret-looking field: no excerpt at all.
    expect(refused).toMatchObject({ reason: 'refused', detail: 'CONSOLE.ILLEGAL_TRANSITION: not now', excerpt: null });
  });

  it('parks a message that keeps failing on its last delivery', async () => {
    let tries = 0;
    const publish = await consume(
      'FLAKY',
      () => {
        tries++;
        return Promise.reject(new Error('the database is away'));
      },
      { maxDeliver: 3 },
    );
    await publish({ n: 0 });
    await until(async () => (await parkedOf('flaky')).length === 1, { what: 'the failing message parked' });
    expect(tries).toBe(3);
    expect((await parkedOf('flaky'))[0]).toMatchObject({
      reason: 'delivery_limit',
      detail: 'Error: the database is away',
      excerpt: '{"n":0}',
    });
  });

  it("keeps each key's order while a failed message of one key lets the others' flow past it", async () => {
    const taken: string[] = [];
    let failures = 0;
    const publish = await consume(
      'ORDERED',
      ({ body }) => {
        const { key, n } = body as { key: string; n: number };
        if (key === 'a' && n === 1 && failures++ < 2) return Promise.reject(new Error('a moment'));
        taken.push(`${key}${n}`);
        return Promise.resolve();
      },
      { orderKey: (body) => (body as { key: string }).key },
    );
    await publish({ key: 'a', n: 1 });
    await publish({ key: 'a', n: 2 });
    await publish({ key: 'b', n: 1 });
    await publish({ key: 'b', n: 2 });
    await until(() => taken.length === 4, { what: 'all four taken' });
    expect(taken.indexOf('a1')).toBeLessThan(taken.indexOf('a2'));
    expect(taken.indexOf('b2')).toBeLessThan(taken.indexOf('a1')); // b was not held behind a
    expect(await parkedOf('ordered')).toEqual([]);
  });
});
