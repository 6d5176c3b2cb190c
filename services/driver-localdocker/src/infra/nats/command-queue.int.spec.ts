import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_ENGINE, Subjects, type DriverCommand } from '@hearth/contracts';
import { createLogger } from '@hearth/platform/logging';
import {
  createDriverStreams,
  freshMetadata,
  publishSigned,
  sharedServiceKeys,
  startNats,
  until,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DriverEnv } from '../../config.js';
import { JetStreamCommandQueue } from './command-queue.js';

const logger = createLogger({ service: 'test', level: 'silent' });
/** The ack wait a driver runs with when its operator sets none. */
const ackWaitMs =
  DriverEnv.parse({
    DRIVER_VAULT_ACTOR: 'driver',
    DRIVER_VAULT_SECRET_KEY: Buffer.alloc(64).toString('base64'),
    VAULT_SEAL_PUBLIC_KEY: Buffer.alloc(32).toString('base64'),
    ...sharedServiceKeys().env('driver-localdocker'),
  }).DRIVER_ACK_WAIT_SECONDS * 1000;

function deprovision(slug: string): DriverCommand {
  return {
    id: randomUUID(),
    type: 'DeprovisionSidecarsV1',
    stream: `deployment-${slug}`,
    version: 1,
    data: { slug, driver: 'localdocker' },
    metadata: freshMetadata('console'),
  };
}

describe('the command queue, its driver killed mid-command', () => {
  let nats: TestNats;
  const connections: NatsConnection[] = [];
  const queues: JetStreamCommandQueue[] = [];

  const startQueue = async (handle: (command: DriverCommand) => Promise<void>) => {
    const nc = await nats.connect('admin');
    connections.push(nc);
    const jsm = await jetstreamManager(nc);
    const queue = new JetStreamCommandQueue(
      jsm.jetstream(),
      jsm,
      logger,
      { park: () => Promise.reject(new Error('nothing here is parked')) },
      sharedServiceKeys().verifier(),
      { engine: DEFAULT_ENGINE, ackWaitMs },
    );
    queues.push(queue);
    await queue.start(handle);
    return nc;
  };
  const publish = async (command: DriverCommand) => {
    const jsm = await jetstreamManager(connections[0]!);
    await publishSigned(
      jsm.jetstream(),
      sharedServiceKeys().signer('console'),
      Subjects.driverCommand('localdocker', DEFAULT_ENGINE, command.data.slug),
      command,
      { msgID: command.id },
    );
  };

  beforeAll(async () => {
    nats = await startNats();
    const nc = await nats.connect('admin');
    connections.push(nc);
    await createDriverStreams(await jetstreamManager(nc));
  });
  afterAll(async () => {
    for (const queue of queues.slice(1)) await queue.stop();
    for (const nc of connections) await nc.close().catch(() => undefined);
    await nats?.stop();
  });

  it('gives the command its dead driver held to the restarted one within seconds, and a long one to nobody else', async () => {
    const dying = deprovision('dies-holding');
    const taken: string[] = [];
    // The first driver takes the command and dies on it: its connection is gone, nothing acked.
    let die = () => {};
    const first = await startQueue(async (command) => {
      taken.push(`first ${command.id}`);
      await new Promise<void>((resolve) => (die = resolve));
    });
    await publish(dying);
    await until(() => taken.length === 1, { what: 'the first driver took the command' });
    await first.close();
    die(); // what was left of it ends, failing to ack on a closed connection
    const dead = queues[0]!.stop().catch(() => undefined);

    // Its successor takes it back well before the 30 s the queue used to wait; a command that runs
    // longer than the ack wait meanwhile stays with it, kept alive by working().
    const long = deprovision('runs-long');
    await startQueue(async (command) => {
      taken.push(`second ${command.id}`);
      if (command.id === long.id) await sleep(1.5 * ackWaitMs); // work that outlasts the ack wait
    });
    await until(() => taken.includes(`second ${dying.id}`), {
      timeoutMs: 10_000,
      what: 'the restarted driver took the command back',
    });
    await publish(long);
    await until(() => taken.includes(`second ${long.id}`), { what: 'the long command taken' });
    const jsm = await jetstreamManager(connections[0]!);
    await until(
      async () =>
        (await jsm.consumers.info('DRIVER_COMMANDS', `driver-localdocker-${DEFAULT_ENGINE}`)).num_ack_pending === 0,
      {
        timeoutMs: 6 * ackWaitMs,
        what: 'the long command acked',
      },
    );
    expect(taken).toEqual([`first ${dying.id}`, `second ${dying.id}`, `second ${long.id}`]);
    await dead;
  });
});
