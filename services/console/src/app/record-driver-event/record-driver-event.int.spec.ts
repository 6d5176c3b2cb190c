import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DriverCommand, Streams, Subjects, type DriverEvent } from '@hearth/contracts';
import { AckPolicy } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const admin = { id: randomUUID(), name: 'test-admin', role: 'admin' as const, createdBy: 'test' };

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (accept(value)) return value;
    await sleep(50);
  }
  return read();
}

describe('driver events move a deployment', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
    await h.console.relay.start();
    await h.console.driverEvents.start();
  });
  afterAll(async () => {
    await h?.console.driverEvents.stop();
    await h?.console.relay.stop();
    await h?.close();
  });

  /** Takes the next driver command for `slug` off the work queue, as a driver would. */
  async function takeCommand(slug: string): Promise<DriverCommand> {
    const { jsm, js } = h.runtime;
    const durable = `driver-${randomUUID().slice(0, 8)}`;
    await jsm.consumers.add(Streams.driverCommands.name, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: Subjects.driverCommand('localdocker', slug),
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
    await h.runtime.js.publish(Subjects.driverEvent('localdocker', event.type), JSON.stringify(envelope), {
      msgID: id,
    });
    return id;
  }

  const status = (slug: string) => h.console.getDeployment.run(slug);

  it('from requested to ready, then deprovisioned, on the commands the driver receives', async () => {
    const slug = `ws-${randomUUID().slice(0, 8)}`;
    await h.console.createDeployment.run(
      { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: 'postgres:16' }] },
      admin,
    );

    const provision = await takeCommand(slug);
    expect(provision.type).toBe('ProvisionSidecarsV1');
    expect(provision.data).toMatchObject({ slug, sidecars: [{ name: 'postgres', image: 'postgres:16' }] });
    const command_id = provision.id;

    await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id } });
    expect(
      await eventually(
        () => status(slug),
        (r) => r?.last_status === 'provisioning',
      ),
    ).toMatchObject({ last_status: 'provisioning' });

    const readyId = await publish({
      type: 'SidecarsProvisionedV1',
      data: { slug, command_id, endpoint: `postgres://hearth-${slug}-postgres:5432/postgres` },
    });
    const ready = await eventually(
      () => status(slug),
      (r) => r?.last_status === 'ready',
    );
    expect(ready).toMatchObject({
      last_status: 'ready',
      endpoint: `postgres://hearth-${slug}-postgres:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });

    // The same event again, under the same id and under a new one: nothing moves, nothing appended twice.
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'elsewhere' } }, readyId);
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'elsewhere' } });
    await sleep(300);
    expect((await status(slug))?.endpoint).toBe(ready?.endpoint);

    await h.console.operateDeployment.deprovision(slug, admin);
    const teardown = await takeCommand(slug);
    expect(teardown.type).toBe('DeprovisionSidecarsV1');
    await publish({ type: 'SidecarsDeprovisionedV1', data: { slug, command_id: teardown.id } });
    expect(
      await eventually(
        () => status(slug),
        (r) => r?.last_status === 'deprovisioned',
      ),
    ).toMatchObject({ last_status: 'deprovisioned', endpoint: '' });

    const events = await h.runtime.dataSource.query<
      Array<{ type: string; metadata: { correlation_id: string; causation_id: string | null; actor: string } }>
    >('SELECT type, metadata FROM events WHERE stream_id = $1 ORDER BY stream_version', [`deployment-${slug}`]);
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
    await h.console.createDeployment.run({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }, admin);
    const first = await takeCommand(slug);
    await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id: first.id } });
    await publish({ type: 'ProvisioningFailedV1', data: { slug, command_id: first.id, reason: 'image not found' } });
    await eventually(
      () => status(slug),
      (r) => r?.last_status === 'failed',
    );

    await h.console.operateDeployment.retry(slug, admin);
    const second = await takeCommand(slug);
    expect(second.id).not.toBe(first.id);
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id: first.id, endpoint: 'stale' } });
    await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id: second.id, endpoint: 'fresh' } });
    expect(
      await eventually(
        () => status(slug),
        (r) => r?.last_status === 'ready',
      ),
    ).toMatchObject({ endpoint: 'fresh' });
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
      await h.console.createDeployment.run({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }, admin);
      const { id: command_id } = await takeCommand(slug);
      await publish({ type: 'ProvisioningStartedV1', data: { slug, command_id } });
      await publish({ type: 'SidecarsProvisionedV1', data: { slug, command_id, endpoint: 'in-order' } });

      expect(
        await eventually(
          () => status(slug),
          (r) => r?.last_status === 'ready',
        ),
      ).toMatchObject({ last_status: 'ready', endpoint: 'in-order' });
      const [{ attempts }] = await dataSource.query<[{ attempts: string }]>(
        `SELECT last_value AS attempts FROM fail_${name}`,
      );
      expect(Number(attempts)).toBe(2); // it did fail once, and went again
    } finally {
      await dataSource.query(`DROP TRIGGER fail_${name} ON events`);
    }
  });
});
