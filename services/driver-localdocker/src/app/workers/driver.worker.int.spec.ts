import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ParkedMessage, ParkedStream, Streams, Subjects } from '@hearth/contracts';
import { publishSigned, sharedServiceKeys, streamMessages, until } from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BUSYBOX_IMAGE, startDriverHarness, type DriverHarness } from '../../test/driver-harness.js';

describe('the driver worker', () => {
  let h: DriverHarness;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    h = await startDriverHarness({ startWorkers: true });
    nc = await connect({ servers: h.nats.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await h?.close();
  });

  /** Until the work queue holds nothing the driver has not acked or dropped. */
  const drained = () =>
    until(
      async () => {
        const info = await jsm.consumers.info(Streams.driverCommands.name, `driver-localdocker-${h.instance}`);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { what: 'the command queue drained' },
    );

  // One command at a time (max_ack_pending 1): a message left unsettled would hold back every later one.
  it('answers the commands it takes off the queue, and parks a message that is no command instead of retrying it', async () => {
    const js = jsm.jetstream();
    const console = sharedServiceKeys().signer('console');
    // Signed by the console, so it is refused for what it is, not for who sent it.
    await publishSigned(
      js,
      console,
      Subjects.driverCommand('localdocker', h.instance, 'junk'),
      { type: 'NoSuchCommandV1' },
      { msgID: 'junk-1' },
    );
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: 'tool', image: BUSYBOX_IMAGE }]);
    await publishSigned(js, console, Subjects.driverCommand('localdocker', h.instance, slug), command, {
      msgID: command.id,
    });
    // Another engine's command is that engine's driver's: it stays on the queue, untouched.
    const theirs = h.provisionCommand(h.newSlug(), [{ name: 'tool', image: BUSYBOX_IMAGE }]);
    await publishSigned(
      js,
      console,
      Subjects.driverCommand('localdocker', 'another-engine', theirs.data.slug),
      theirs,
      {
        msgID: theirs.id,
      },
    );

    await until(async () => (await h.answersTo(command.id)).length === 2, { what: 'both answers' });
    expect((await h.answersTo(command.id)).map((a) => a.type)).toEqual([
      'ProvisioningStartedV1',
      'SidecarsProvisionedV1',
    ]);
    await drained();
    expect((await jsm.streams.info(Streams.driverCommands.name)).state.messages).toBe(1);
    expect(await h.answersTo(theirs.id)).toEqual([]);
    const parked = (await streamMessages(jsm, ParkedStream.name)).map((m) =>
      ParkedMessage.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))),
    );
    expect(parked).toEqual([
      expect.objectContaining({
        consumer: `driver-localdocker-${h.instance}`,
        subject: Subjects.driverCommand('localdocker', h.instance, 'junk'),
        reason: 'invalid',
        excerpt: '{"type":"NoSuchCommandV1"}',
      }),
    ]);
    expect(h.logs.filter((line) => line.includes('command parked; terminated'))).toHaveLength(1);
  });
});
