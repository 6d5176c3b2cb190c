import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  DeploymentRef,
  DriverEvent,
  generatePrincipalKeys,
  HatchStream,
  HearthError,
  Streams,
  VaultClient,
  type Status,
} from '@hearth/contracts';
import {
  databaseText,
  docker,
  jetStreamText,
  queryDatabase,
  startConsoleProcess,
  startNats,
  startService,
  startVaultProcess,
  streamMessages,
  type RunningConsole,
  type RunningVault,
  type ServiceProcess,
  type StoredMessage,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';
const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

/** A password login inside the sidecar over TCP to its own address; the password comes on stdin. */
const login = (container: string, password: string) =>
  docker(
    [
      'exec',
      '-i',
      container,
      'sh',
      '-c',
      `read -r PGPASSWORD; export PGPASSWORD; psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc 'SELECT 1'`,
    ],
    `${password}\n`,
  );

/** A stored message's body as text. */
const bodyOf = (m: StoredMessage) => Buffer.from(m.data).toString('latin1');

describe('a Postgres sidecar, end to end: console, vault and driver as processes on a real Docker engine', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  let driver: ServiceProcess;
  const driverOutputs: string[][] = [];
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let root: VaultClient;
  let reader: VaultClient;
  let keyDir: string;
  const instance = `e2e-${randomBytes(4).toString('hex')}`;
  const slugs: string[] = [];

  const startDriver = async () => {
    driver = await startService(
      'services/driver-localdocker/dist/main.js',
      {
        NATS_URL: nats.url,
        DRIVER_VAULT_KEY_FILE: join(keyDir, 'driver.json'),
        DRIVER_INSTANCE: instance,
        DRIVER_ACK_WAIT_SECONDS: '3',
        DRIVER_RECONCILE_SECONDS: '0',
        LOG_LEVEL: 'debug',
      },
      'driver-localdocker ready',
    );
    driverOutputs.push(driver.output);
  };

  const http = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${hearthConsole.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${hearthConsole.adminToken}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const newSlug = () => {
    const slug = `e2e-${randomBytes(4).toString('hex')}`;
    slugs.push(slug);
    return slug;
  };
  const deployment = async (slug: string) => DeploymentRef.parse(await (await http(`/v1/deployments/${slug}`)).json());
  const until = async (slug: string, wanted: Status[], timeoutMs = 45_000): Promise<DeploymentRef> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ref = await deployment(slug);
      if (wanted.includes(ref.last_status)) return ref;
      if (Date.now() > deadline) throw new Error(`${slug} is ${ref.last_status}, not ${wanted.join('|')}`);
      await sleep(100);
    }
  };
  const mine = (slug: string) => [
    '--filter',
    `label=hearth.instance=${instance}`,
    '--filter',
    `label=hearth.slug=${slug}`,
  ];
  const leftovers = async (slug: string) => ({
    containers: (await docker(['ps', '-aq', ...mine(slug)])).stdout,
    networks: (await docker(['network', 'ls', '-q', ...mine(slug)])).stdout,
  });
  const readableVersions = async (slug: string) =>
    (
      await queryDatabase<{ n: number }>(
        vault.db.name,
        'SELECT count(*)::int AS n FROM secret_versions WHERE path = $1 AND NOT destroyed',
        [`hearth/${slug}`],
      )
    )[0]!.n;
  const driverAnswers = async (slug: string) =>
    (await streamMessages(jsm, Streams.driverEvents.name))
      .map((m) => DriverEvent.parse(JSON.parse(bodyOf(m))))
      .filter((e) => e.data.slug === slug);

  beforeAll(async () => {
    const image = await docker(['image', 'inspect', POSTGRES_IMAGE]);
    if (image.status !== 0) throw new Error(`image ${POSTGRES_IMAGE} is missing: run scripts/build-test-images.sh`);
    await cryptoReady();
    nats = await startNats();
    vault = await startVaultProcess(nats.url);
    const { rootKeys } = vault;
    hearthConsole = await startConsoleProcess(nats.url, { LOG_LEVEL: 'debug' });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);

    // The driver is a vault principal that writes, lists and destroys under hearth/ and never reads;
    // a subsystem reads with a key of its own.
    root = new VaultClient(nc, 'root', rootKeys);
    const driverKeys = generatePrincipalKeys();
    await root.createPrincipal('driver-localdocker', driverKeys.publicKey);
    await root.grant('driver-localdocker', { pattern: 'hearth/*', capabilities: ['write', 'list', 'destroy'] });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('e2e-subsystem', readerKeys.publicKey);
    await root.grant('e2e-subsystem', { pattern: 'hearth/*', capabilities: ['read'] });
    reader = new VaultClient(nc, 'e2e-subsystem', readerKeys);
    keyDir = await mkdtemp(join(tmpdir(), 'hearth-driver-'));
    await writeFile(join(keyDir, 'driver.json'), JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), {
      mode: 0o600,
    });
    await startDriver();
  });

  afterAll(async () => {
    await driver?.kill();
    for (const slug of slugs) {
      const left = await leftovers(slug);
      if (left.containers) await docker(['rm', '-fv', ...left.containers.split('\n')]);
      if (left.networks) await docker(['network', 'rm', ...left.networks.split('\n')]);
    }
    await nc?.close();
    await hearthConsole?.stop();
    await vault?.stop();
    await nats?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it('provisions, keeps the password in the vault only, lets a subsystem log in with it, and deprovisions to nothing', async () => {
    const slug = newSlug();
    const container = `hearth-${slug}-postgres`;
    const created = await http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
    });
    expect(created.status).toBe(201);

    const ready = await until(slug, ['ready', 'failed']);
    expect(ready).toMatchObject({
      last_status: 'ready',
      endpoint: `postgres://${container}:5432/postgres`,
      secrets_vault_path: `vault://hearth/${slug}`,
    });

    // A subsystem follows the pointer with its own key and logs in inside the sidecar.
    const read = await reader.read(`hearth/${slug}`);
    const password = read.values.POSTGRES_PASSWORD!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await login(container, password)).toEqual({ status: 0, stdout: '1' });
    expect((await login(container, `${password.slice(0, -1)}${password.endsWith('A') ? 'B' : 'A'}`)).status).not.toBe(
      0,
    );
    expect((await login(container, 'postgres')).status).not.toBe(0);

    // No published port, one internal network of its own.
    const [inspect] = JSON.parse((await docker(['inspect', container])).stdout) as Array<{
      HostConfig: { PortBindings: Record<string, unknown> | null; PublishAllPorts: boolean };
      NetworkSettings: { Ports: Record<string, unknown> | null; Networks: Record<string, unknown> };
    }>;
    expect(Object.values(inspect!.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(Object.values(inspect!.NetworkSettings.Ports ?? {}).every((b) => b === null)).toBe(true);
    expect(Object.keys(inspect!.NetworkSettings.Networks)).toEqual([`hearth-${slug}`]);
    expect((await docker(['network', 'inspect', '-f', '{{.Internal}}', `hearth-${slug}`])).stdout).toBe('true');

    // The password is nowhere else, in any form.
    await sleep(500); // let batched log lines reach the output
    const places = {
      'docker inspect of the sidecar': (await docker(['inspect', container])).stdout,
      'the DeploymentRef': JSON.stringify(ready),
      "the console's database": await databaseText(hearthConsole.db.name),
      'every JetStream stream': await jetStreamText(jsm),
      'console logs': hearthConsole.process.output.join('\n'),
      'vault logs': vault.process.output.join('\n'),
      'driver logs': driver.output.join('\n'),
    };
    expect(places['driver logs']).toContain('sidecars provisioned'); // the scan sees the driver's work
    for (const form of [password, Buffer.from(password).toString('base64'), Buffer.from(password).toString('hex')]) {
      for (const [place, text] of Object.entries(places))
        expect({ place, found: text.includes(form) }).toEqual({ place, found: false });
    }

    expect((await http(`/v1/deployments/${slug}`, { method: 'DELETE' })).status).toBe(202);
    await until(slug, ['deprovisioned']);
    expect(await leftovers(slug)).toEqual({ containers: '', networks: '' });
    expect(await readableVersions(slug)).toBe(0);
    const after = await reader.read(`hearth/${slug}`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(after).toBeInstanceOf(HearthError);
    expect((after as HearthError).code).toBe('VAULT.SECRET_NOT_FOUND');
    // Destroyed and refused reads are audited like any other.
    const audit = async () =>
      (await streamMessages(jsm, HatchStream.name)).filter((m) => bodyOf(m).includes(`hearth/${slug}`));
    for (let i = 0; i < 50 && !(await audit()).some((m) => bodyOf(m).includes('"NOT_FOUND"')); i++) await sleep(100);
    const subjects = (await audit()).map((m) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(['hatch.vault.secret.write', 'hatch.vault.secret.destroy', 'hatch.vault.secret.read']),
    );
    expect(
      (await audit()).some((m) => m.subject === 'hatch.vault.secret.read' && bodyOf(m).includes('"NOT_FOUND"')),
    ).toBe(true);
  });

  it('fails a privileged sidecar with its code, creating nothing and writing nothing to the vault', async () => {
    const slug = newSlug();
    const created = await http('/v1/deployments', {
      method: 'POST',
      body: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE, privileged: true }],
      },
    });
    expect(created.status).toBe(201);
    await until(slug, ['failed']);
    const failed = (await driverAnswers(slug)).find((e) => e.type === 'ProvisioningFailedV1');
    expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.PRIVILEGED_REFUSED: /) as unknown });
    expect(await leftovers(slug)).toEqual({ containers: '', networks: '' });
    const written = await queryDatabase<{ n: number }>(
      vault.db.name,
      "SELECT count(*)::int AS n FROM events WHERE type = 'SecretVersionWrittenV1' AND data->>'path' = $1",
      [`hearth/${slug}`],
    );
    expect(written[0]!.n).toBe(0);
  });

  it('killed between creating the container and its readiness, then restarted: ready, with nothing orphaned', async () => {
    const slug = newSlug();
    // What a driver that died before this one may have left: a credential without a container.
    await root.write({
      path: `hearth/${slug}`,
      values: { POSTGRES_PASSWORD: 'left-by-an-earlier-attempt' },
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: `${slug}/postgres` },
    });
    expect(
      (
        await http('/v1/deployments', {
          method: 'POST',
          body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
        })
      ).status,
    ).toBe(201);
    for (let i = 0; (await leftovers(slug)).containers === ''; i++) {
      if (i > 300) throw new Error('the driver never created the container');
      await sleep(20);
    }
    await driver.kill('SIGKILL');
    expect((await deployment(slug)).last_status).toBe('provisioning');

    await startDriver();
    const ref = await until(slug, ['ready', 'failed']);
    expect(ref.last_status).toBe('ready');
    const containers = (await leftovers(slug)).containers.split('\n');
    expect(containers).toHaveLength(1);
    const password = (await reader.read(`hearth/${slug}`)).values.POSTGRES_PASSWORD!;
    expect((await login(`hearth-${slug}-postgres`, password)).status).toBe(0);
    const answers = await driverAnswers(slug);
    expect(answers.filter((a) => a.type === 'SidecarsProvisionedV1')).toHaveLength(1);
    // Whether the restarted driver finished the first attempt or made it anew, one credential is readable.
    expect(await readableVersions(slug)).toBe(1);
    expect((await reader.read(`hearth/${slug}`)).version).toBeGreaterThan(1);
    await expect(reader.read(`hearth/${slug}`, 1)).rejects.toThrow(HearthError);

    expect((await http(`/v1/deployments/${slug}`, { method: 'DELETE' })).status).toBe(202);
    await until(slug, ['deprovisioned']);
    expect(await leftovers(slug)).toEqual({ containers: '', networks: '' });
  });

  it('on start, removes what a deployment the console does not know left: container, network and credential', async () => {
    const slug = newSlug();
    // What a driver that died mid-way, for a deployment since gone from the console, may have left:
    // a labelled network and a running container on it, and a generated credential.
    const labels = ['--label', `hearth.instance=${instance}`, '--label', `hearth.slug=${slug}`];
    const network = await docker(['network', 'create', '--internal', ...labels, `hearth-${slug}`]);
    expect(network.status).toBe(0);
    const container = await docker([
      'run',
      '-d',
      '--name',
      `hearth-${slug}-tool`,
      '--network',
      `hearth-${slug}`,
      ...labels,
      '--label',
      'hearth.sidecar=tool',
      BUSYBOX_IMAGE,
    ]);
    expect(container.status).toBe(0);
    await root.write({
      path: `hearth/${slug}`,
      values: { TOOL_TOKEN: 'left-by-a-crash' },
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: `${slug}/tool` },
    });
    expect((await reader.read(`hearth/${slug}`)).values.TOOL_TOKEN).toBe('left-by-a-crash');
    expect((await http(`/v1/deployments/${slug}`)).status).toBe(404);
    const before = await leftovers(slug);
    expect(before.containers).not.toBe('');
    expect(before.networks).not.toBe('');

    // DRIVER_RECONCILE_SECONDS is 0: only the pass on start can remove them.
    await driver.kill();
    await startDriver();
    expect(await leftovers(slug)).toEqual({ containers: '', networks: '' });
    expect(await readableVersions(slug)).toBe(0);
    await expect(reader.read(`hearth/${slug}`)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
  });
});
