import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_ENGINE, DriverCommand, Streams, Subjects, type DriverEvent } from '@hearth/contracts';
import { eventsSince, publishSigned, sharedServiceKeys, until } from '@hearth/testkit';
import { AckPolicy } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { DRIVER_EVENTS_CONSUMER } from './driver-events.worker.js';
import { callers, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const { admin } = callers;

describe('the driver-events worker: driver events off the bus move a deployment', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ startWorkers: true });
  });
  afterAll(() => h?.close());

  /** Takes the next driver command for `slug` off the work queue, as a driver would. */
  async function takeCommand(slug: string): Promise<DriverCommand> {
    const { jsm, js } = h.runtime;
    const durable = `driver-${randomUUID().slice(0, 8)}`;
    await jsm.consumers.add(Streams.driverCommands.name, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: Subjects.driverCommand('localdocker', DEFAULT_ENGINE, slug),
    });
    const consumer = await js.consumers.get(Streams.driverCommands.name, durable);
    const msg = await consumer.next({ expires: 10_000 });
    if (!msg) throw new Error('no driver command arrived');
    await msg.ackAck(); // confirmed, so the work queue has dropped it before the consumer goes
    await jsm.consumers.delete(Streams.driverCommands.name, durable);
    return DriverCommand.parse(msg.json());
  }

  /** The flow every driver event of this file belongs to, as a driver would carry it on. */
  const flow = randomUUID();

  async function publish(event: Omit<DriverEvent, 'id' | 'stream' | 'version' | 'metadata'>, id = randomUUID()) {
    const envelope = {
      ...event,
      id,
      stream: `driver-${event.data.slug}`,
      version: 1,
      metadata: {
        actor: 'driver:localdocker',
        correlation_id: flow,
        causation_id: event.data.command_id,
        trace_id: null,
        occurred_at: new Date().toISOString(),
      },
    };
    const driver = sharedServiceKeys().signer('driver-localdocker');
    await publishSigned(h.runtime.js, driver, Subjects.driverEvent('localdocker', event.type), envelope, { msgID: id });
    return id;
  }

  const status = (slug: string) => h.useCases.discoverDeployment.run(slug);

  /** The deployment once it has reached `wanted`. */
  async function reached(slug: string, wanted: string) {
    await until(async () => (await status(slug))?.last_status === wanted, { what: `${slug} ${wanted}` });
    return status(slug);
  }

  /** Until the console's consumer has taken and acked every driver event published so far. */
  const consumed = () =>
    until(
      async () => {
        const info = await h.runtime.jsm.consumers.info(Streams.driverEvents.name, DRIVER_EVENTS_CONSUMER.durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { what: 'the driver events consumed' },
    );

  it('from requested to ready, then deprovisioned, on the commands the driver receives', async () => {
    const slug = `ws-${randomUUID().slice(0, 8)}`;
    await h.registerWorkspace(slug);
    await h.useCases.createDeployment.run(
      { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: 'postgres:16' }] },
      admin,
    );

    const provision = await takeCommand(slug);
    expect(provision.type).toBe('ProvisionSidecarsV1');
    expect(provision.data).toMatchObject({ slug, sidecars: [{ name: 'postgres', image: 'postgres:16' }] });
    const command_id = provision.id;

    await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id } });
    expect(await reached(slug, 'provisioning')).toMatchObject({ last_status: 'provisioning' });

    const readyId = await publish({
      type: 'SidecarsProvisionedV1',
      data: { slug, command_id, endpoint: `postgres://hearth-${slug}-postgres:5432/postgres` },
    });
    const ready = await reached(slug, 'ready');
    expect(ready).toMatchObject({
      last_status: 'ready',
      endpoint: `postgres://hearth-${slug}-postgres:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });

    // The same event again, under the same id and under a new one: nothing moves, nothing appended twice.
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'elsewhere' } }, readyId);
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'elsewhere' } });
    await consumed();
    expect((await status(slug))?.endpoint).toBe(ready?.endpoint);

    await h.useCases.operateDeployment.deprovision(slug, admin);
    const teardown = await takeCommand(slug);
    expect(teardown.type).toBe('DeprovisionSidecarsV1');
    await publish({ type: 'SidecarsDeprovisionedV1', data: { slug, command_id: teardown.id } });
    expect(await reached(slug, 'deprovisioned')).toMatchObject({ last_status: 'deprovisioned', endpoint: '' });

    const events = await eventsSince(h.db.name, 0n, { stream: `deployment-${slug}` });
    // What the driver reported continues the driver's flow, caused by the driver's event.
    const fromDriver = events.filter((e) => e.metadata.actor === 'driver:localdocker');
    expect(fromDriver.map((e) => e.type)).toEqual([
      'DeploymentProvisioningStartedV1',
      'DeploymentReadyV1',
      'DeploymentDeprovisionedV1',
    ]);
    expect(fromDriver.every((e) => e.metadata.correlation_id === flow)).toBe(true);
    expect(fromDriver[1]!.metadata.causation_id).toBe(readyId);
    expect(events.map((e) => e.type)).toEqual([
      'DeploymentRequestedV1',
      'DeploymentProvisioningStartedV1',
      'DeploymentReadyV1',
      'DeploymentDeprovisionRequestedV1',
      'DeploymentDeprovisionedV1',
    ]);
  });

  it('from failed back to provisioning on retry, ignoring the late answer to the first command', async () => {
    const slug = `ws-${randomUUID().slice(0, 8)}`;
    await h.registerWorkspace(slug);
    await h.useCases.createDeployment.run({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }, admin);
    const first = await takeCommand(slug);
    await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id: first.id } });
    await publish({ type: 'ProvisioningFailedV1', data: { slug, command_id: first.id, reason: 'image not found' } });
    await reached(slug, 'failed');

    await h.useCases.operateDeployment.retry(slug, admin);
    const second = await takeCommand(slug);
    expect(second.id).not.toBe(first.id);
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id: first.id, endpoint: 'stale' } });
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id: second.id, endpoint: 'fresh' } });
    expect(await reached(slug, 'ready')).toMatchObject({ endpoint: 'fresh' });
  });

  it('drops an event it refuses for good, and goes on with the next one', async () => {
    const slug = `ws-${randomUUID().slice(0, 8)}`;
    await h.registerWorkspace(slug);
    await h.useCases.createDeployment.run({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }, admin);
    const { id: command_id } = await takeCommand(slug);
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: '' } }); // no endpoint: refused
    await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id } });
    expect(await reached(slug, 'provisioning')).toMatchObject({ last_status: 'provisioning', endpoint: '' });
    await consumed();
  });

  it('applies a deployment’s events in order even when the first fails once and is redelivered', async () => {
    const slug = `ws-${randomUUID().slice(0, 8)}`;
    // A real, transient database failure (serialization_failure) on the first attempt only: a sequence
    // survives the rollback that undoes everything else the failing transaction did.
    const { dataSource } = h.runtime;
    const name = slug.replace('-', '_');
    await dataSource.query(`CREATE SEQUENCE fail_${name}`);
    await dataSource.query(`
      CREATE FUNCTION fail_${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('fail_${name}') = 1 THEN
          RAISE EXCEPTION 'transient failure for the test' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
    await dataSource.query(`
      CREATE TRIGGER fail_${name} BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.stream_id = 'deployment-${slug}' AND NEW.type = 'DeploymentProvisioningStartedV1')
      EXECUTE FUNCTION fail_${name}()`);
    try {
      await h.registerWorkspace(slug);
      await h.useCases.createDeployment.run({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }, admin);
      const { id: command_id } = await takeCommand(slug);
      await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id } });
      await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'in-order' } });

      expect(await reached(slug, 'ready')).toMatchObject({ last_status: 'ready', endpoint: 'in-order' });
      const [{ attempts }] = await dataSource.query<[{ attempts: string }]>(
        `SELECT last_value AS attempts FROM fail_${name}`,
      );
      expect(Number(attempts)).toBe(2); // it did fail once, and went again
    } finally {
      await dataSource.query(`DROP TRIGGER fail_${name} ON events`);
    }
  });
});
