import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ENGINE,
  AuditRecordPage,
  BusHeaders,
  BusSigner,
  ConsoleClient,
  cryptoReady,
  DeploymentRef,
  DriverCommand,
  DriverEvent,
  ErrorCode,
  replyMac,
  Streams,
  Subjects,
  VaultClient,
  type AuditRecord,
} from '@hearth/contracts';
import {
  docker,
  type DriverStack,
  publishDriverEvent,
  publishSigned,
  queryDatabase,
  registerWorkspace,
  runCli,
  type RunningConsole,
  type RunningHatch,
  type RunningVault,
  SECRET_READ_SUBJECT,
  secretReadFixture,
  sharedServiceKeys,
  startConsoleProcess,
  startDriverStack,
  startHatchProcess,
  startNats,
  startVaultProcess,
  streamMessages,
  type TestNats,
  until,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Anyone who can publish on the bus tries to speak for a service: audit events hatch would record as
 * the vault's, driver events the console would act on, and answers to the console's requests that
 * would open the vault's and hatch's HTTP APIs. Each must be refused (parked), never taken as genuine.
 */
describe('attack: forged messages on the bus', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  let hatch: RunningHatch;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let root: VaultClient;
  const keys = sharedServiceKeys();
  /** A key no service pins: an attacker's own. */
  const mallory = new BusSigner('vault', generateKeyPairSync('ed25519').privateKey);

  const records = async (query: string): Promise<AuditRecord[]> => {
    const response = await fetch(`${hatch.url}/v1/audit/records?${query}`, {
      headers: { authorization: `Bearer ${hearthConsole.adminToken}` },
    });
    expect(response.status).toBe(200);
    return AuditRecordPage.parse(await response.json()).items;
  };
  const parkedReasons = async () =>
    (
      await queryDatabase<{ message_id: string; reason: string }>(
        hatch.db.name,
        'SELECT message_id, reason FROM parked_events',
      )
    ).reduce<Record<string, string>>((all, row) => ({ ...all, [row.message_id]: row.reason }), {});

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats();
    [vault, hearthConsole, hatch] = await Promise.all([
      startVaultProcess(nats.url),
      startConsoleProcess(nats.url),
      startHatchProcess(nats.url, { HATCH_CHECKPOINT_EVERY: '1' }),
    ]);
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    await root.write({ path: 'hearth/forged/postgres', values: { password: randomBytes(12).toString('hex') } });
  });
  afterAll(async () => {
    await nc?.close();
    await hatch?.stop();
    await hearthConsole?.stop();
    await vault?.stop();
    await nats?.stop();
  });

  it('parks a SecretReadV1 that is unsigned, signed by another service or by an unpinned key; verify proves the rest', async () => {
    const js = jsm.jetstream();
    const unsigned = secretReadFixture({ actor: 'forged-unsigned', workspace: 'forged' });
    const byConsole = secretReadFixture({ actor: 'forged-by-console', workspace: 'forged' });
    const byMallory = secretReadFixture({ actor: 'forged-by-mallory', workspace: 'forged' });
    await js.publish(SECRET_READ_SUBJECT, JSON.stringify(unsigned), { msgID: unsigned.id });
    await publishSigned(js, keys.signer('console'), SECRET_READ_SUBJECT, byConsole, { msgID: byConsole.id });
    await publishSigned(js, mallory, SECRET_READ_SUBJECT, byMallory, { msgID: byMallory.id });
    await root.read('hearth/forged/postgres'); // a genuine read, after them in the stream

    // The genuine read comes after the forgeries in the stream: once it is recorded, they were judged.
    await until(async () => (await records('workspace=forged&action=secret.read')).some((r) => r.actor === 'root'), {
      what: 'the genuine read recorded',
    });
    const recorded = await records('workspace=forged&limit=1000');
    expect(recorded.filter((r) => r.actor.startsWith('forged-'))).toEqual([]);
    expect(await parkedReasons()).toMatchObject({
      [unsigned.id]: expect.stringMatching(/^BUS\.UNSIGNED/),
      [byConsole.id]: expect.stringMatching(/^BUS\.WRONG_ORIGIN/),
      [byMallory.id]: expect.stringMatching(/^BUS\.BAD_SIGNATURE/),
    });

    // `hearth audit verify`, against the pinned keys: every record is proven its emitter's.
    const home = mkdtempSync(join(tmpdir(), 'hearth-forged-'));
    try {
      writeFileSync(join(home, 'service-keys.json'), keys.pinned);
      // hatch's public key, which verify pins its checkpoints to.
      const hatchKey = createPublicKey(keys.env('hatch').HATCH_SIGNING_KEY!);
      writeFileSync(join(home, 'hatch-signing-key.pub'), hatchKey.export({ type: 'spki', format: 'pem' }).toString());
      const run = await runCli(['audit', 'verify', '--json'], {
        env: {
          PATH: process.env.PATH,
          HEARTH_HOME: home,
          HEARTH_HATCH_URL: hatch.url,
          HEARTH_TOKEN: hearthConsole.adminToken,
        },
      });
      expect(run.code).toBe(0);
      const verdict = JSON.parse(run.stdout) as {
        ok: boolean;
        records: number;
        parked: number;
        origins: { proven: number };
      };
      expect(verdict).toMatchObject({ ok: true, origins: { checked: true, withoutOrigin: 0 } });
      // Every forgery is in the chain as hatch's parked entry; every other record is proven its emitter's.
      expect(verdict.parked).toBe(Object.keys(await parkedReasons()).length);
      expect(verdict.parked).toBeGreaterThanOrEqual(3);
      expect(verdict.origins.proven).toBe(verdict.records - verdict.parked);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  /** The console's HTTP API as its admin. */
  const http = (path: string, body?: unknown) =>
    fetch(`${hearthConsole.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${hearthConsole.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const deployment = async (slug: string) => DeploymentRef.parse(await (await http(`/v1/deployments/${slug}`)).json());
  const commandOf = async (slug: string) =>
    (await streamMessages(jsm, Streams.driverCommands.name))
      .filter((m) => m.subject === Subjects.driverCommand('localdocker', DEFAULT_ENGINE, slug))
      .map((m) => DriverCommand.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))))[0];
  /** A deployment with no sidecars, and the driver command the console queued for it. */
  const create = async (slug: string) => {
    await registerWorkspace(hearthConsole.url, hearthConsole.adminToken, slug);
    expect((await http('/v1/deployments', { slug, tier: 'dev', driver: 'localdocker', sidecars: [] })).status).toBe(
      201,
    );
    let command: DriverCommand | undefined;
    await until(async () => (command = await commandOf(slug)) !== undefined, { what: `${slug}'s command` });
    return command!;
  };

  /**
   * A genuine deployment of `slug` made ready behind everything published so far: once it is ready,
   * the console has taken what came before it on its in-order consumer.
   */
  const settledBehind = async (slug: string) => {
    const sentinel = await create(slug);
    await publishDriverEvent(jsm, 'ProvisioningStartedV1', { slug, command_id: sentinel.id });
    await publishDriverEvent(jsm, 'SidecarsProvisionedV1', {
      slug,
      command_id: sentinel.id,
      endpoint: 'postgres://sentinel:5432/x',
    });
    await until(async () => (await deployment(slug)).last_status === 'ready', { what: `${slug} ready` });
  };

  it('does not let forged driver events turn a failed deployment ready', async () => {
    const failed = await create('forged-failed');
    await publishDriverEvent(jsm, 'ProvisioningStartedV1', { slug: 'forged-failed', command_id: failed.id });
    await publishDriverEvent(jsm, 'ProvisioningFailedV1', {
      slug: 'forged-failed',
      command_id: failed.id,
      reason: 'no image',
    });
    await until(async () => (await deployment('forged-failed')).last_status === 'failed', { what: 'failed' });

    // The attacker answers the same command as the driver would, unsigned and under an unpinned key.
    const forge = (type: DriverEvent['type'], data: Record<string, unknown>) => {
      const id = randomUUID();
      return DriverEvent.parse({
        id,
        type,
        stream: 'driver-forged-failed',
        version: 1,
        data: { slug: 'forged-failed', command_id: failed.id, ...data },
        metadata: {
          actor: 'driver:localdocker',
          correlation_id: id,
          causation_id: failed.id,
          trace_id: null,
          occurred_at: new Date().toISOString(),
        },
      });
    };
    const js = jsm.jetstream();
    const endpoint = { endpoint: 'postgres://attacker.example:5432/x' };
    for (const event of [forge('ProvisioningStartedV1', {}), forge('SidecarsProvisionedV1', endpoint)]) {
      const subject = Subjects.driverEvent('localdocker', event.type);
      await js.publish(subject, JSON.stringify(event), { msgID: event.id });
    }
    const evil = new BusSigner('driver-localdocker', generateKeyPairSync('ed25519').privateKey);
    for (const event of [forge('ProvisioningStartedV1', {}), forge('SidecarsProvisionedV1', endpoint)]) {
      await publishSigned(js, evil, Subjects.driverEvent('localdocker', event.type), event, { msgID: event.id });
    }

    await settledBehind('forged-sentinel');

    const ref = await deployment('forged-failed');
    expect(ref.last_status).toBe('failed');
    expect(JSON.stringify(ref)).not.toContain('attacker');
  });

  it('does not let a signed answer move a deployment to another endpoint, as a driver retrying never would', async () => {
    const moved = await create('forged-moved');
    const answer = (type: DriverEvent['type'], data: Record<string, unknown> = {}) =>
      publishDriverEvent(jsm, type, { slug: 'forged-moved', command_id: moved.id, ...data });
    await answer('ProvisioningStartedV1');
    await answer('SidecarsProvisionedV1', { endpoint: 'postgres://hearth-forged-moved-postgres:5432/postgres' });
    await until(async () => (await deployment('forged-moved')).last_status === 'ready', { what: 'ready' });
    // With the drivers' signing key (every localdocker driver holds it): a newer failed, then a ready elsewhere.
    await answer('ProvisioningFailedV1', { reason: 'gone' });
    await until(async () => (await deployment('forged-moved')).last_status === 'failed', { what: 'failed' });
    await answer('SidecarsProvisionedV1', { endpoint: 'postgres://attacker.example:5432/x' });

    await settledBehind('moved-sentinel');

    const ref = await deployment('forged-moved');
    expect(ref.last_status).toBe('failed');
    expect(JSON.stringify(ref)).not.toContain('attacker');
  });

  it("does not open the vault's or hatch's HTTP API on a forged {role: admin} answer to console.token.authenticate", async () => {
    // The attacker answers every token check at once, before the console can.
    const forger = await connect({ servers: nats.url });
    const sub: Subscription = forger.subscribe(Subjects.tokenAuthenticate, {
      callback: (_error, msg) => void msg.respond(JSON.stringify({ name: 'mallory', role: 'admin' })),
    });
    try {
      await forger.flush();
      const madeUp = `Bearer ${randomBytes(24).toString('base64url')}`;
      const vaultAnswer = await fetch(`${vault.url}/v1/secrets?prefix=hearth/`, { headers: { authorization: madeUp } });
      const hatchAnswer = await fetch(`${hatch.url}/v1/audit/records`, { headers: { authorization: madeUp } });
      expect(vaultAnswer.status).not.toBe(200);
      expect(hatchAnswer.status).not.toBe(200);
    } finally {
      sub.unsubscribe();
      await forger.close();
    }
  });

  it('does not let anyone answer a discovery request in the console’s place, MACed under a key of its own', async () => {
    const slug = 'forged-discovery';
    await registerWorkspace(hearthConsole.url, hearthConsole.adminToken, slug);
    const created = await fetch(`${hearthConsole.url}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hearthConsole.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'tool', image: 'busybox' }],
      }),
    });
    expect(created.status).toBe(201);
    const client = new ConsoleClient(nc, keys.verifier());
    const genuine = await client.getWorkspaceDeployment(slug);
    expect(genuine?.workspace_slug).toBe(slug);

    // The attacker sees every discovery request and answers at once, before the console can: null
    // (what makes a driver remove a live workspace), MACed under a reply key of its own, since the
    // caller's is sealed to the console and the attacker cannot open it.
    const ownKey = randomBytes(32);
    const forger = await connect({ servers: nats.url });
    const sub = forger.subscribe(Subjects.deploymentGet, {
      callback: (_error, msg) => {
        const nonce = msg.headers?.get(BusHeaders.requestNonce) ?? '';
        const binding = { service: 'console' as const, subject: Subjects.deploymentGet, nonce, request: msg.data };
        const h = headers();
        h.set(BusHeaders.replyMac, replyMac(ownKey, binding, Buffer.from('null')).toString('base64'));
        msg.respond('null', { headers: h });
      },
    });
    const taken: unknown[] = [];
    let refused = 0;
    try {
      await forger.flush();
      // Asked until a forged answer has reached the caller first; each one it took must be the console's.
      await until(
        async () => {
          try {
            taken.push(await client.getWorkspaceDeployment(slug));
          } catch (error) {
            expect(error).toMatchObject({ code: ErrorCode.BusBadSignature });
            refused += 1;
          }
          return refused > 0;
        },
        { what: 'a forged answer reaching the caller first' },
      );
    } finally {
      sub.unsubscribe();
      await forger.close();
    }
    expect(taken).toEqual(taken.map(() => genuine));
  });
});

/**
 * The driver acts on what the console tells it: a command, or its answer about a workspace. An
 * attacker's command must not be executed, and an attacker's `null` for a live workspace must not
 * make the reconcile remove its sidecars or shred its credential.
 */
describe('attack: forged commands and answers to the driver', () => {
  const BUSYBOX_IMAGE = 'hearth-test/busybox:1';
  let stack: DriverStack;

  beforeAll(async () => {
    stack = await startDriverStack([BUSYBOX_IMAGE]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ready = async () => {
    const slug = stack.newSlug();
    const sidecars = [{ name: 'tool', image: BUSYBOX_IMAGE }];
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars },
    });
    expect(created.status).toBe(201);
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
    return slug;
  };

  it('does not execute a driver command the console did not sign', async () => {
    // The attacker queues its own provision for a slug before the operator creates it, with a
    // sidecar of its choosing; the driver is down, so both commands wait, the forged ones first.
    await stack.driver.kill();
    const slug = stack.newSlug();
    const js = stack.jsm.jetstream();
    const forged = () => {
      const id = randomUUID();
      return {
        id,
        type: 'ProvisionSidecarsV1',
        stream: `deployment-${slug}`,
        version: 0,
        data: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'implant', image: BUSYBOX_IMAGE }] },
        metadata: {
          actor: 'mallory',
          correlation_id: id,
          causation_id: null,
          trace_id: null,
          occurred_at: new Date().toISOString(),
        },
      };
    };
    const unsigned = forged();
    const subject = Subjects.driverCommand('localdocker', stack.instance, slug);
    await js.publish(subject, JSON.stringify(unsigned), { msgID: unsigned.id });
    const byDriver = forged();
    const asDriver = stack.keys.signer('driver-localdocker');
    await publishSigned(js, asDriver, subject, byDriver, { msgID: byDriver.id });
    const sidecars = [{ name: 'tool', image: BUSYBOX_IMAGE }];
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars },
    });
    expect(created.status).toBe(201);
    await stack.startDriver();

    // Commands are taken one at a time in order: once the genuine one is done, the forged ones were judged.
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
    const names = await docker([
      'ps',
      '-a',
      '--filter',
      `label=hearth.instance=${stack.instance}`,
      '--filter',
      `label=hearth.slug=${slug}`,
      '--format',
      '{{.Names}}',
    ]);
    const forgedIds: string[] = [unsigned.id, byDriver.id];
    expect((await stack.driverAnswers(slug)).filter((e) => forgedIds.includes(e.data.command_id))).toEqual([]);
    expect(names.stdout.split('\n')).toEqual([`hearth-${slug}-tool`]);
    expect(stack.driver.output.filter((line) => line.includes('command parked; terminated'))).toHaveLength(2);
  });

  it('does not remove a live workspace when someone else answers null to console.deployment.get', async () => {
    const live = await ready();
    const before = { ...(await stack.leftovers(live)), versions: await stack.readableVersions(live) };
    // With every right on the bus (admin): the signature must hold where the NATS permissions do not.
    const forger = await stack.nats.connect('admin');
    const sub = forger.subscribe(Subjects.deploymentGet, { callback: (_error, msg) => void msg.respond('null') });
    try {
      await forger.flush();
      // DRIVER_RECONCILE_SECONDS is 0: the pass on start asks about every workspace it finds, and is
      // done before the driver says it is ready. Whichever answer came first (the forger's or the
      // console's own), nothing may be gone after it.
      await stack.driver.kill();
      await stack.startDriver();
    } finally {
      sub.unsubscribe();
      await forger.close();
    }
    expect({ ...(await stack.leftovers(live)), versions: await stack.readableVersions(live) }).toEqual(before);
    expect((await stack.deployment(live)).last_status).toBe('ready');
  });
});
