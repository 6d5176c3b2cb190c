import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startNatsCluster, until, type TestNatsCluster } from '@hearth/testkit';
import { AckPolicy, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, ensureStream, jetstreamManager } from './connection.js';
import { consumeDurable } from './durable-consumer.js';

/** What a JetStream API request meets while the cluster places or elects a group: try again. */
const ELECTING = /timeout|no responders|temporarily unavailable|no suitable peers/i;

/** The answer, or the message of a refusal an election explains (any other error fails the test). */
const orNotYet = <T>(info: Promise<T>): Promise<T | string> =>
  info.catch((error: Error) => {
    if (ELECTING.test(`${error.name} ${error.message}`)) return `not yet: ${error.message}`;
    throw error;
  });

/** The nodes that hold a stream or consumer (its leader and its replicas), and whether each replica is in step. */
const placement = (info: Pick<StreamInfo, 'cluster'>) => ({
  nodes: [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((replica) => replica.name)].sort(),
  current: (info.cluster?.replicas ?? []).every((replica) => replica.current),
});

/**
 * Streams as a service makes them (ensureStream, NATS_STREAM_REPLICAS) on three nats-servers running
 * the shipped infra/nats-cluster.conf: R3 across the three nodes, an R1 stream scaled in place with its
 * durable consumer, and a stream that keeps taking and handing out messages while a node is dead.
 */
describe('streams on a three-node NATS cluster', () => {
  let cluster: TestNatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const nodeNames = () => cluster.nodes.map((node) => node.name).sort();
  /** Until every group `infos` answers for has a copy on each node, all in step; a failure says what it saw last. */
  const inStep = async (infos: () => Promise<(Pick<StreamInfo, 'cluster'> | string)[]>, what: string) => {
    let seen: unknown = null;
    await until(
      async () => {
        const now = (await infos()).map((info) => (typeof info === 'string' ? info : placement(info)));
        seen = now;
        return now.every((p) => typeof p !== 'string' && p.current && p.nodes.join() === nodeNames().join());
      },
      { timeoutMs: 60_000, what },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen ${JSON.stringify(seen)}`);
    });
  };

  beforeAll(async () => {
    cluster = await startNatsCluster({ auth: true });
    // NATS_URL as a service is given it: the three nodes, comma-separated.
    nc = await connectNats(cluster.url, 'admin', cluster.seeds!.admin);
    // A stream or consumer being placed, scaled or re-elected answers no API request meanwhile: on a
    // loaded two-core machine that outlasted the default 5 s (CI saw a TimeoutError scaling GROWN).
    jsm = await jetstreamManager(nc, { timeout: 10_000 });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('makes a stream R3, one copy on each node, and scales an R1 stream and its durable consumer to R3 in place', async () => {
    await ensureStream(jsm, { name: 'FRESH', subjects: ['fresh.>'], num_replicas: 3 });
    expect(placement(await jsm.streams.info('FRESH')).nodes).toEqual(nodeNames());

    await ensureStream(jsm, { name: 'GROWN', subjects: ['grown.>'], num_replicas: 1 });
    await jsm.consumers.add('GROWN', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    await jsm.jetstream().publish('grown.a', 'before');
    expect(placement(await jsm.streams.info('GROWN')).nodes).toHaveLength(1);

    await ensureStream(jsm, { name: 'GROWN', subjects: ['grown.>'], num_replicas: 3 });
    // Placing two more copies of each and electing their groups: seconds alone, far more on a busy machine.
    await inStep(
      async () => [await orNotYet(jsm.streams.info('GROWN')), await orNotYet(jsm.consumers.info('GROWN', 'reader'))],
      'the stream and its durable consumer on all three nodes',
    );
    expect((await jsm.streams.info('GROWN')).state.messages).toBe(1);
  }, 180_000);

  it('takes and delivers every message while the node that led the stream is dead, and lets it catch up', async () => {
    await ensureStream(jsm, { name: 'STEADY', subjects: ['steady.>'], num_replicas: 3 });
    const js = jsm.jetstream();
    const received: string[] = [];
    const consumer = await consumeDurable(
      js,
      jsm,
      { stream: 'STEADY', durable: 'steady', ackWaitMs: 2_000, batch: 10 },
      (msg) => {
        received.push(msg.string());
        msg.ack(); // not ackAck: an ack that waits for the dead leader's answer would end the loop
        return Promise.resolve();
      },
    );
    // As the outbox relay publishes: by message id, again until the stream acknowledges it.
    const publish = (n: number) =>
      until(
        () =>
          js.publish('steady.n', String(n), { msgID: `m${n}`, timeout: 1_000 }).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 20_000, what: `message ${n} accepted` },
      );
    for (let n = 0; n < 20; n++) await publish(n);

    const leader = (await jsm.streams.info('STEADY')).cluster!.leader;
    const dead = cluster.nodes.find((node) => node.name === leader)!;
    await dead.kill();
    for (let n = 20; n < 40; n++) await publish(n);
    // Delivered at least once (an ack lost with the node brings a message again): none missing.
    await until(() => new Set(received).size === 40, { timeoutMs: 20_000, what: '40 messages delivered' });
    const during = await jsm.streams.info('STEADY');
    expect(during.state.messages).toBe(40);
    expect(during.cluster!.leader).not.toBe(leader);

    await dead.start();
    await inStep(async () => [await orNotYet(jsm.streams.info('STEADY'))], 'the restarted node in step again');
    await consumer.stop();
  }, 180_000);
});
