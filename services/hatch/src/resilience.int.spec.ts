import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain } from '@hearth/audit-chain';
import { queryDatabase, startHatchProcess, startNats, until, type RunningHatch, type TestNats } from '@hearth/testkit';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishSigned, secretReadFixture, SECRET_READ_SUBJECT, sharedServiceKeys } from '@hearth/testkit';
import { CheckpointEntity } from './infra/postgres/entities.js';
import { openHatchDatabase } from './test/hatch-database.js';
import { readChain } from './test/read-chain.js';

const OUTAGE_MS = 30_000;

/**
 * hatch as a process (the build in dist/), killed and starved of its database while events keep
 * arriving: afterwards every event is in the log exactly once, in stream order, and the chain holds.
 */
describe('hatch, killed and cut off from its database mid-stream', () => {
  const key = generateKeyPairSync('ed25519');
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let first: RunningHatch | null = null;
  let restarted: RunningHatch | null = null;

  const start = (database?: string) =>
    startHatchProcess(nats.url, {
      ...(database ? { HATCH_DATABASE: database } : {}),
      HATCH_SIGNING_KEY: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      HATCH_CHECKPOINT_EVERY: '25',
      HATCH_CHECKPOINT_SECONDS: '1',
    });
  const database = () => first!.db.name;
  const allowConnections = (allow: boolean) =>
    queryDatabase('postgres', `ALTER DATABASE "${database()}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
  const recorded = async () =>
    (await queryDatabase<{ n: number }>(database(), 'SELECT count(*)::int AS n FROM audit_log'))[0]!.n;
  const recordedAtLeast = (n: number, what: string) =>
    until(async () => (await recorded()) >= n, { timeoutMs: 30_000, intervalMs: 100, what });

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
  });
  afterAll(async () => {
    await restarted?.stop();
    await nc?.close();
    if (first) await allowConnections(true).catch(() => undefined);
    await first?.stop();
    await nats?.stop();
  });

  it('stores every event exactly once, in stream order, and the chain verifies', async () => {
    first = await start();
    const published: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const event = secretReadFixture({ actor: `svc-${published.length}` });
        await publishSigned(js, sharedServiceKeys().signer('vault'), SECRET_READ_SUBJECT, event, { msgID: event.id });
        published.push(event.id);
        await sleep(15); // a steady trickle, as a busy vault would send
      }
    })();

    // Killed mid-stream, with no chance to finish what it was doing; events keep coming meanwhile.
    await recordedAtLeast(40, 'hatch recorded 40 events');
    await first.process.kill('SIGKILL');
    const killedAt = published.length;
    await until(() => published.length >= killedAt + 50, { what: '50 more events arrived while hatch was down' });
    restarted = await start(database());
    const beforeOutage = published.length;
    await recordedAtLeast(beforeOutage, 'hatch caught up after its restart');

    // Its Postgres "stopped" for 30 s, as the issue asks, while events keep coming. The server is
    // shared with the other tests running in parallel, so it is not stopped for real: hatch's own
    // database refuses new connections and its open ones are cut, which is what hatch sees of a
    // stopped server (connection refused, then errors on every query) without harming anyone else.
    await allowConnections(false);
    await queryDatabase('postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      database(),
    ]);
    const publishedBeforeCut = published.length;
    await sleep(OUTAGE_MS); // the outage itself, not a wait for something to happen
    const publishedDuringCut = published.length - publishedBeforeCut;
    await allowConnections(true);
    expect(publishedDuringCut).toBeGreaterThan(100);

    await recordedAtLeast(published.length, 'hatch caught up after the outage');
    publishing = false;
    await publisher;
    await recordedAtLeast(published.length, 'hatch recorded the last events');

    const db = await openHatchDatabase(database());
    try {
      // The timer signs the head within a second of the last record.
      const lastSigned = async () =>
        (await db.manager.find(CheckpointEntity, { order: { seq: 'DESC' }, take: 1 }))[0]?.seq;
      await until(async () => (await lastSigned()) === published.length, {
        what: 'a checkpoint signs the last record',
      });
      const { records, checkpoints } = await readChain(db.manager);
      expect(records.map((r) => r.event_id)).toEqual(published);
      expect(records.map((r) => r.seq)).toEqual(published.map((_, i) => i + 1));
      expect(verifyChain(records, checkpoints, key.publicKey)).toMatchObject({ ok: true, lastSeq: published.length });
    } finally {
      await db.destroy();
    }
  }, 240_000);
});
