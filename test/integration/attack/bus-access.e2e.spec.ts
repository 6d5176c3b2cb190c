import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady, generatePrincipalKeys, HatchStream, Streams, type NatsIdentity } from '@hearth/contracts';
import {
  startConsoleProcess,
  startDriverProcess,
  startHatchProcess,
  startNats,
  startVaultProcess,
  type RunningService,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Attack class: access to the bus. A plain NATS client — with no credentials, or holding a caller's
 * identity (`operator`, `subsystem`) or another service's — tries what the issue saw done on an open
 * bus: publishing as a service (audit events, driver commands and events), working the JetStream API
 * of Hearth's streams, answering a service's requests, reading another identity's replies, and
 * deleting from HATCH. The four services run on Hearth's own configuration (infra/nats.conf).
 */
describe('attack: the bus lets nobody act as a service', () => {
  let nats: TestNats;
  let keyDir: string;
  const services: RunningService[] = [];
  const connections: NatsConnection[] = [];
  let admin: JetStreamManager;

  const as = async (identity: NatsIdentity) => {
    const nc = await nats.connect(identity, { reconnect: false });
    connections.push(nc);
    return nc;
  };
  /** What the server answered a request on `subject`: its permission violation, or `answered`. */
  const publishing = (nc: NatsConnection, subject: string) =>
    nc.request(subject, '{}', { timeout: 2_000 }).then(
      () => 'answered',
      (error: unknown) => String(error),
    );
  /** Why the server closed a subscription to `subject`, or `open` if it let it stand. */
  const subscribing = async (nc: NatsConnection, subject: string) => {
    const sub = nc.subscribe(subject);
    // The server refuses a SUB before it answers the PING after it: two round trips settle it.
    await nc.flush();
    const outcome = await Promise.race([sub.closed.then(String), nc.flush().then(() => 'open')]);
    if (outcome === 'open') sub.unsubscribe();
    return outcome;
  };

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats({ auth: true });
    const adminNc = await as('admin');
    admin = await jetstreamManager(adminNc);
    keyDir = await mkdtemp(join(tmpdir(), 'hearth-attack-'));
    const driverKeys = generatePrincipalKeys();
    await writeFile(join(keyDir, 'driver.json'), JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), {
      mode: 0o600,
    });
    // Hatch first: HATCH is its to make, as it makes it.
    services.push(await startHatchProcess(nats));
    const [hearthConsole, vault] = await Promise.all([
      startConsoleProcess(nats),
      startVaultProcess(nats, { VAULT_DRIVER_PUBLIC_KEY: driverKeys.publicKey }),
    ]);
    services.push(hearthConsole, vault);
    services.push(
      await startDriverProcess(nats, {
        DRIVER_VAULT_KEY_FILE: join(keyDir, 'driver.json'),
        VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
        DRIVER_INSTANCE: `attack-${process.pid}`,
        DRIVER_RECONCILE_SECONDS: '0',
      }),
    );
  });
  afterAll(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    for (const service of services.reverse()) await service.stop();
    await nats?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it('refuses a client without credentials, and one whose nkey it does not know', async () => {
    const anonymous = await connect({ servers: nats.url, reconnect: false }).then(
      (nc) => nc.close().then(() => 'connected'),
      (error: unknown) => String(error),
    );
    expect(anonymous).toMatch(/Authorization Violation/);
    const stranger = await connect({
      servers: nats.url,
      reconnect: false,
      authenticator: nkeyAuthenticator(createUser().getSeed()),
    }).then(
      (nc) => nc.close().then(() => 'connected'),
      (error: unknown) => String(error),
    );
    expect(stranger).toMatch(/Authorization Violation/);
  });

  it("has a service answer only into its callers' inboxes, never where a request's reply subject points", async () => {
    const subsystem = await as('subsystem');
    const lastSeq = async (stream: string) => (await admin.streams.info(stream)).state.last_seq;
    const streams = [Streams.driverCommands.name, Streams.driverEvents.name, HatchStream.name];
    const before = await Promise.all(streams.map(lastSeq));
    // Each a reply subject the service would publish to under `allow_responses`: a driver command, an
    // audit event, a driver event, and the JetStream API (a purge takes a body it ignores).
    const replies = [
      'cmd.localdocker.injected',
      'hatch.vault.secret.read',
      'evt.driver-localdocker.deployment.SidecarsProvisionedV1',
      `$JS.API.STREAM.PURGE.${Streams.driverCommands.name}`,
    ];
    for (const reply of replies)
      for (const subject of ['console.deployment.get', 'vault.secret.read'])
        subsystem.publish(subject, JSON.stringify({ slug: 'nobody-here' }), { reply });
    // A request of its own after them, answered by each: what came before it has been handled.
    expect(
      (await subsystem.request('console.deployment.get', JSON.stringify({ slug: 'nobody-here' }))).json(),
    ).toBeNull();
    await subsystem.request('vault.secret.read', '{}');
    expect(await Promise.all(streams.map(lastSeq))).toEqual(before);
  });

  it('lets a caller send only the requests of its role, which the services answer', async () => {
    const subsystem = await as('subsystem');
    const reply = await subsystem.request('console.deployment.get', JSON.stringify({ slug: 'nobody-here' }));
    expect(reply.json()).toBeNull();
    expect(await publishing(subsystem, 'vault.principal.create')).toMatch(
      /Permissions Violation for Publish to "vault.principal.create"/,
    );
    expect(await publishing(subsystem, 'audit.records.query')).toMatch(/Permissions Violation for Publish/);
  });

  it('lets the operator manage engines, roles and leases, a subsystem only take, renew and give back a lease', async () => {
    const allowed: Array<[NatsIdentity, string]> = [
      ['operator', 'vault.engine.configure'],
      ['operator', 'vault.engine.rotate-root'],
      ['operator', 'vault.role.create'],
      ['operator', 'vault.lease.list'],
      ['operator', 'vault.lease.revoke'],
      ['subsystem', 'vault.lease.issue'],
      ['subsystem', 'vault.lease.renew'],
      ['subsystem', 'vault.lease.revoke'],
    ];
    // The server lets these through: whatever the vault answers (a refused signature, say), it is not
    // the server's permission violation.
    for (const [identity, subject] of allowed)
      expect(await publishing(await as(identity), subject)).not.toMatch(/Permissions Violation/);
    const refused: Array<[NatsIdentity, string]> = [
      ['subsystem', 'vault.engine.configure'],
      ['subsystem', 'vault.engine.get'],
      ['subsystem', 'vault.engine.delete'],
      ['subsystem', 'vault.role.create'],
      ['subsystem', 'vault.role.list'],
      ['subsystem', 'vault.lease.list'],
      ['driver-localdocker', 'vault.lease.issue'],
      ['driver-localdocker', 'vault.engine.configure'],
      ['console', 'vault.lease.issue'],
      ['hatch', 'vault.role.create'],
    ];
    for (const [identity, subject] of refused)
      expect(await publishing(await as(identity), subject)).toMatch(
        `Permissions Violation for Publish to "${subject}"`,
      );
  });

  it('lets only the driver claim and report the credential work the vault has for it', async () => {
    const driver = await as('driver-localdocker');
    for (const subject of ['vault.credential.work.claim', 'vault.credential.work.report'])
      expect(await publishing(driver, subject)).not.toMatch(/Permissions Violation/);
    for (const identity of ['subsystem', 'console', 'hatch'] as const)
      for (const subject of ['vault.credential.work.claim', 'vault.credential.work.report'])
        expect(await publishing(await as(identity), subject)).toMatch(
          `Permissions Violation for Publish to "${subject}"`,
        );
  });

  it.each<NatsIdentity>(['operator', 'subsystem'])(
    'refuses %s publishing audit events, driver commands and driver events',
    async (identity) => {
      const nc = await as(identity);
      for (const subject of [
        'hatch.vault.secret.read',
        'hatch.console.token.created',
        'cmd.localdocker.acme',
        'evt.driver-localdocker.deployment.SidecarsProvisionedV1',
      ])
        expect(await publishing(nc, subject)).toMatch(`Permissions Violation for Publish to "${subject}"`);
    },
  );

  it('lets each service publish only its own audit events, and only the console command the driver', async () => {
    const refused: Array<[NatsIdentity, string]> = [
      ['vault', 'hatch.console.token.created'],
      ['vault', 'cmd.localdocker.acme'],
      ['console', 'hatch.vault.secret.read'],
      ['console', 'evt.driver-localdocker.deployment.SidecarsProvisionedV1'],
      ['driver-localdocker', 'hatch.vault.secret.read'],
      ['driver-localdocker', 'cmd.localdocker.acme'],
      ['hatch', 'hatch.vault.secret.read'],
    ];
    for (const [identity, subject] of refused)
      expect(await publishing(await as(identity), subject)).toMatch(
        `Permissions Violation for Publish to "${subject}"`,
      );
  });

  it("refuses a caller, and a service that does not own them, the JetStream API of Hearth's streams", async () => {
    const before = await admin.streams.info(HatchStream.name);
    const consumers = async () => (await admin.consumers.list(Streams.driverEvents.name).next()).map((c) => c.name);
    const consumersBefore = await consumers();
    expect(consumersBefore).toContain('console');
    const api = [
      `$JS.API.STREAM.UPDATE.${HatchStream.name}`,
      `$JS.API.STREAM.DELETE.${HatchStream.name}`,
      `$JS.API.STREAM.PURGE.${HatchStream.name}`,
      `$JS.API.STREAM.MSG.DELETE.${HatchStream.name}`,
      `$JS.API.CONSUMER.CREATE.${HatchStream.name}`,
      `$JS.API.STREAM.UPDATE.${Streams.driverEvents.name}`,
      `$JS.API.STREAM.MSG.DELETE.${Streams.driverEvents.name}`,
      `$JS.API.CONSUMER.CREATE.${Streams.driverEvents.name}.spy`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${Streams.driverEvents.name}.spy`,
      `$JS.API.CONSUMER.DELETE.${Streams.driverEvents.name}.console`,
      `$JS.API.CONSUMER.DELETE.${Streams.driverCommands.name}.driver-localdocker`,
      `$JS.API.STREAM.PURGE.${Streams.driverCommands.name}`,
    ];
    for (const identity of ['operator', 'subsystem'] as const) {
      const nc = await as(identity);
      for (const subject of api)
        expect(await publishing(nc, subject)).toMatch(`Permissions Violation for Publish to "${subject}"`);
    }
    // The services hold the API of what they own only: the vault and the driver own no stream.
    const vault = await as('vault');
    const driver = await as('driver-localdocker');
    const consoleNc = await as('console');
    for (const [nc, subject] of [
      [vault, `$JS.API.STREAM.UPDATE.${HatchStream.name}`],
      [vault, `$JS.API.CONSUMER.CREATE.${HatchStream.name}`],
      [driver, `$JS.API.STREAM.DELETE.${Streams.driverCommands.name}`],
      [driver, `$JS.API.CONSUMER.DELETE.${Streams.driverEvents.name}.console`],
      // A consumer of driver commands only filtered to one engine's (cmd.localdocker.<engine>.>): none unfiltered.
      [driver, `$JS.API.CONSUMER.CREATE.${Streams.driverCommands.name}.spy`],
      [driver, `$JS.API.CONSUMER.CREATE.${Streams.driverCommands.name}.spy.cmd.>`],
      [driver, `$JS.API.CONSUMER.DURABLE.CREATE.${Streams.driverCommands.name}.spy`],
      [consoleNc, `$JS.API.STREAM.MSG.DELETE.${HatchStream.name}`],
      [consoleNc, `$JS.API.CONSUMER.DELETE.${Streams.driverCommands.name}.driver-localdocker`],
    ] as const)
      expect(await publishing(nc, subject)).toMatch(`Permissions Violation for Publish to "${subject}"`);

    const after = await admin.streams.info(HatchStream.name);
    expect(after.config).toEqual(before.config);
    expect(await consumers()).toEqual(consumersBefore);
  });

  it('lets the operator manage credentials, and only the driver use its work channel', async () => {
    const allowed: Array<[NatsIdentity, string]> = [
      ['operator', 'vault.credential.types'],
      ['operator', 'vault.credential.type.define'],
      ['operator', 'vault.credential.get'],
      ['operator', 'vault.credential.status'],
      ['operator', 'vault.credential.schedule'],
      ['driver-localdocker', 'vault.credential.work.claim'],
      ['driver-localdocker', 'vault.credential.work.report'],
    ];
    for (const [identity, subject] of allowed)
      expect(await publishing(await as(identity), subject)).not.toMatch(/Permissions Violation/);
    const refused: Array<[NatsIdentity, string]> = [
      ['operator', 'vault.credential.work.claim'],
      ['operator', 'vault.credential.work.report'],
      ['subsystem', 'vault.credential.get'],
      ['subsystem', 'vault.credential.work.claim'],
      ['driver-localdocker', 'vault.credential.get'],
      ['console', 'vault.credential.work.claim'],
    ];
    for (const [identity, subject] of refused)
      expect(await publishing(await as(identity), subject)).toMatch(
        `Permissions Violation for Publish to "${subject}"`,
      );
  });

  it.each<[NatsIdentity, string]>([
    ['operator', 'console.deployment.get'],
    ['operator', 'console.token.authenticate'],
    ['operator', 'vault.secret.read'],
    ['operator', 'audit.records.query'],
    ['subsystem', 'console.>'],
    ['subsystem', 'vault.>'],
    ['vault', 'console.token.authenticate'],
    ['driver-localdocker', 'vault.secret.write'],
    ['hatch', 'console.>'],
    ['console', 'vault.>'],
  ])("refuses %s answering (subscribing to) a service's %s", async (identity, subject) => {
    expect(await subscribing(await as(identity), subject)).toMatch(
      `Permissions Violation for Subscription to "${subject}"`,
    );
  });

  it.each<[NatsIdentity, string]>([
    ['subsystem', '_INBOX_operator.>'],
    ['operator', '_INBOX_console.>'],
    ['operator', '_INBOX_driver-localdocker.>'],
    ['subsystem', '_INBOX.>'],
    ['operator', '>'],
    ['driver-localdocker', '_INBOX_vault.>'],
  ])("refuses %s reading another identity's replies on %s", async (identity, subject) => {
    expect(await subscribing(await as(identity), subject)).toMatch(
      `Permissions Violation for Subscription to "${subject}"`,
    );
  });

  it('keeps every HATCH message: delete and purge are refused even with admin rights, and cannot be allowed again', async () => {
    const js = admin.jetstream();
    const { seq } = await js.publish('hatch.attack.probe', '{}');
    await expect(admin.streams.deleteMessage(HatchStream.name, seq)).rejects.toThrow(/message delete not permitted/);
    await expect(admin.streams.purge(HatchStream.name)).rejects.toThrow(/stream purge not permitted/);
    const { config } = await admin.streams.info(HatchStream.name);
    await expect(
      admin.streams.update(HatchStream.name, { ...config, deny_delete: false, deny_purge: false }),
    ).rejects.toThrow(/can not cancel deny/);
    expect((await admin.streams.getMessage(HatchStream.name, { seq }))?.subject).toBe('hatch.attack.probe');
  });
});
