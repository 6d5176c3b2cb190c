import {
  DeploymentRef,
  DriverEvent,
  generatePrincipalKeys,
  Streams,
  VaultClient,
  type Status,
} from '@hearth/contracts';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseText, queryDatabase } from './database.js';
import { docker } from './docker.js';
import {
  consolePrincipal,
  startConsoleProcess,
  startDriverProcess,
  startHatchProcess,
  startVaultProcess,
  type RunningConsole,
  type RunningHatch,
  type RunningVault,
} from './hearth-services.js';
import { jetStreamText, streamMessages } from './jetstream.js';
import { freePort, startNats, startNatsCluster, type TestNats, type TestNatsNode } from './nats-server.js';
import type { ServiceProcess } from './service-process.js';
import { generateServiceKeys, type TestServiceKeys } from './service-keys.js';
import { registerWorkspace } from './tenancy.js';
import { until } from './until.js';

/** The vault principal of a DriverStack's `reader`: whose reads a test finds in the vault's events and HATCH. */
export const STACK_READER = 'e2e-subsystem';

/**
 * Console, vault and driver-localdocker as processes of the test's own on one NATS (Hearth's own
 * configuration: each connects as its own identity) and the real Docker engine, wired as an operator wires them: the driver a vault principal that writes, lists
 * and destroys under hearth/ and never reads; the console its own, which writes and never reads; a subsystem (`reader`) that reads there with a key of
 * its own. With what an end-to-end test of the driver asks of them.
 */
export interface DriverStack {
  readonly nats: TestNats;
  /** The nodes of its NATS cluster, when started with `cluster`; none on one server. */
  readonly natsNodes: readonly TestNatsNode[];
  readonly vault: RunningVault;
  readonly console: RunningConsole;
  /** hatch, recording the HATCH stream, when the stack was started `withHatch`. */
  readonly hatch: RunningHatch | null;
  /** The driver now running (`startDriver` replaces it once it was killed). */
  readonly driver: ServiceProcess;
  /** The test's own hands on the bus: the `admin` identity. */
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  /** The vault's root principal. */
  readonly root: VaultClient;
  /**
   * A workspace's subsystem: granted read on `hearth/<slug>/*` for each workspace it reads, as only a
   * principal granted a workspace reads its generated values.
   */
  readonly reader: Pick<VaultClient, 'read'>;
  /** The `hearth.instance` label value that scopes this driver on the shared engine. */
  readonly instance: string;
  /** The stack's own service signing keys (fresh for each stack). */
  readonly keys: TestServiceKeys;
  /** Starts a driver (once the last one ended) with the stack's settings, `env` added for this run only. */
  startDriver(env?: Record<string, string>): Promise<void>;
  /**
   * The console's HTTP API, as its bootstrap admin. A deployment created through it for a slug of
   * `newSlug()` has its workspace put in the tenancy tree first (team `test-team`, org `test-org`);
   * any other slug is sent as it is, so a test can still meet CONSOLE.WORKSPACE_NOT_FOUND.
   */
  http(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** A fresh workspace slug, whose leftovers `stop()` removes. */
  newSlug(): string;
  deployment(slug: string): Promise<DeploymentRef>;
  /** The deployment once its status is one of `wanted`; fails after `timeoutMs`. */
  until(slug: string, wanted: Status[], timeoutMs?: number): Promise<DeploymentRef>;
  /** The ids of the containers and networks this driver left for `slug`, one a line. */
  leftovers(slug: string): Promise<{ containers: string; networks: string }>;
  /** How many versions of `hearth/<slug>` the vault can still decrypt. */
  readableVersions(slug: string): Promise<number>;
  driverAnswers(slug: string): Promise<DriverEvent[]>;
  /**
   * Everywhere a generated credential must never be, as text: the console's database, every
   * JetStream stream, and the console's, vault's and driver's logs (of every run of each).
   */
  placesASecretMustNotReach(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts a DriverStack, after checking that the local `images` exist. The driver logs at debug,
 * gets a command it died on again after 3 s and reconciles on start only; `driverEnv` adds to its
 * settings (bind roots, HEARTH_HOME), `vaultEnv` to the vault's; `withHatch` runs hatch too, so the
 * stack's audit events end in a chain; `cluster` runs NATS as a three-node cluster, the services'
 * streams R3.
 */
export async function startDriverStack(
  images: readonly string[],
  options: {
    driverEnv?: Record<string, string>;
    vaultEnv?: Record<string, string>;
    withHatch?: boolean;
    cluster?: boolean;
  } = {},
): Promise<DriverStack> {
  for (const image of images) {
    if ((await docker(['image', 'inspect', image])).status !== 0) {
      throw new Error(`image ${image} is missing: run scripts/build-test-images.sh`);
    }
  }
  const instance = `e2e-${randomBytes(4).toString('hex')}`;
  const keys = generateServiceKeys();
  const slugs: string[] = [];
  const keyDir = await mkdtemp(join(tmpdir(), 'hearth-driver-'));
  const cluster = options.cluster ? await startNatsCluster({ auth: true }) : null;
  const nats = cluster ?? (await startNats({ auth: true }));
  const streams: Record<string, string> = cluster ? { NATS_STREAM_REPLICAS: '3' } : {};
  let vault: RunningVault | undefined;
  let hearthConsole: RunningConsole | undefined;
  let hatch: RunningHatch | undefined;
  let hatchStarting: Promise<unknown> | undefined;
  let driver: ServiceProcess | undefined;
  /** Every driver the stack ran: a test that restarts it scans what each said. */
  const driverRuns: ServiceProcess[] = [];
  let nc: NatsConnection | undefined;

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
  const stop = async () => {
    await driver?.kill();
    for (const slug of slugs) {
      const left = await leftovers(slug);
      if (left.containers) await docker(['rm', '-fv', ...left.containers.split('\n')]);
      if (left.networks) await docker(['network', 'rm', ...left.networks.split('\n')]);
    }
    await nc?.close();
    await hatchStarting?.catch(() => undefined); // a stack that failed to start stops what did start
    await hatch?.stop();
    await hearthConsole?.stop();
    await vault?.stop();
    await nats.stop();
    await rm(keyDir, { recursive: true, force: true });
  };

  try {
    nc = await nats.connect('admin');
    const jsm = await jetstreamManager(nc);
    // hatch's port is known before it starts, so the console, which may start first, proxies its reads there.
    const hatchPort = String(await freePort());
    const startHatch = () =>
      startHatchProcess(nats, { ...streams, ...keys.env('hatch'), HATCH_PORT: hatchPort }).then((h) => (hatch = h));
    // On a cluster hatch goes first, so HATCH is made once as hatch makes it rather than a stand-in's
    // brought to hatch's settings: Debian's nats-server 2.9 panics replaying that update when a node
    // restarts on its store.
    if (options.withHatch && cluster) await startHatch();
    // The console writes to the vault as its own principal (the web console's credential and lease writes).
    const consoleVault = await consolePrincipal();
    vault = await startVaultProcess(nats, {
      ...streams,
      ...keys.env('vault'),
      ...consoleVault.vaultEnv,
      ...options.vaultEnv,
    });
    const { sealPublicKey } = vault;
    // Elsewhere hatch starts beside the console: it needs the console only to check an auditor's token.
    if (options.withHatch && !cluster) hatchStarting = startHatch();
    hearthConsole = await startConsoleProcess(nats, {
      LOG_LEVEL: 'debug',
      CONSOLE_ENGINES: instance,
      CONSOLE_VAULT_URL: vault.url,
      CONSOLE_HATCH_URL: `http://127.0.0.1:${hatchPort}`,
      ...streams,
      ...keys.env('console'),
      ...consoleVault.consoleEnv(vault),
    });
    await hatchStarting;
    const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: sealPublicKey });
    const driverKeys = generatePrincipalKeys();
    await root.createPrincipal('driver-localdocker', driverKeys.publicKey);
    // It resolves its workloads' credentials at every scope a workspace inherits from, and reads none by path.
    await root.grant('driver-localdocker', {
      pattern: 'hearth/*',
      capabilities: ['write', 'list', 'destroy', 'resolve'],
    });
    for (const mount of ['team', 'org']) {
      await root.grant('driver-localdocker', { pattern: `${mount}/*`, capabilities: ['resolve'] });
    }
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal(STACK_READER, readerKeys.publicKey);
    const readerClient = new VaultClient(nc, STACK_READER, readerKeys);
    const granted = new Set<string>();
    const reader = {
      read: async (path: string, version?: number) => {
        const workspace = path.split('/').slice(0, 2).join('/');
        if (!granted.has(workspace)) {
          await root.grant(STACK_READER, { pattern: `${workspace}/*`, capabilities: ['read'] });
          granted.add(workspace);
        }
        return readerClient.read(path, version);
      },
    };
    await writeFile(join(keyDir, 'driver.json'), JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), {
      mode: 0o600,
    });
    const startDriver = async (env: Record<string, string> = {}) => {
      const running = await startDriverProcess(nats, {
        DRIVER_VAULT_KEY_FILE: join(keyDir, 'driver.json'),
        VAULT_SEAL_PUBLIC_KEY: sealPublicKey,
        DRIVER_INSTANCE: instance,
        DRIVER_ACK_WAIT_SECONDS: '3',
        DRIVER_RECONCILE_SECONDS: '0',
        ...streams,
        ...keys.env('driver-localdocker'),
        ...options.driverEnv,
        ...env,
      });
      driver = running.process;
      driverRuns.push(driver);
    };
    await startDriver();

    const { url, adminToken } = hearthConsole;
    /** The stack's slugs already in the tenancy tree. */
    const registered = new Set<string>();
    const http = async (path: string, init: { method?: string; body?: unknown } = {}) => {
      const slug = deploymentSlugOf(path, init);
      if (slug !== null && slugs.includes(slug) && !registered.has(slug)) {
        await registerWorkspace(url, adminToken, slug);
        registered.add(slug);
      }
      return fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    };
    const deployment = async (slug: string) =>
      DeploymentRef.parse(await (await http(`/v1/deployments/${slug}`)).json());
    const runningVault = vault;
    const runningConsole = hearthConsole;
    return {
      nats,
      natsNodes: cluster?.nodes ?? [],
      vault: runningVault,
      console: runningConsole,
      hatch: hatch ?? null,
      get driver() {
        return driver!;
      },
      nc,
      jsm,
      root,
      reader,
      instance,
      keys,
      startDriver,
      http,
      newSlug: () => {
        const slug = `e2e-${randomBytes(4).toString('hex')}`;
        slugs.push(slug);
        return slug;
      },
      deployment,
      until: async (slug, wanted, timeoutMs = 45_000) => {
        let ref = await deployment(slug);
        const reached = async () => wanted.includes((ref = await deployment(slug)).last_status);
        await until(reached, { timeoutMs, intervalMs: 100 }).catch(() => {
          throw new Error(`${slug} is ${ref.last_status}, not ${wanted.join('|')}`);
        });
        return ref;
      },
      leftovers,
      readableVersions: async (slug) =>
        (
          await queryDatabase<{ n: number }>(
            runningVault.db.name,
            'SELECT count(*)::int AS n FROM secret_versions WHERE path = $1 AND NOT destroyed',
            [`hearth/${slug}`],
          )
        )[0]!.n,
      driverAnswers: async (slug) =>
        (await streamMessages(jsm, Streams.driverEvents.name))
          .map((m) => DriverEvent.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))))
          .filter((e) => e.data.slug === slug),
      placesASecretMustNotReach: async () => ({
        "the console's database": await databaseText(runningConsole.db.name),
        'every JetStream stream': await jetStreamText(jsm),
        'console logs': runningConsole.runs.flatMap((run) => run.output).join('\n'),
        'vault logs': runningVault.runs.flatMap((run) => run.output).join('\n'),
        'driver logs': driverRuns.flatMap((run) => run.output).join('\n'),
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The slug of a `POST /v1/deployments` body, or null for any other request. */
function deploymentSlugOf(path: string, init: { method?: string; body?: unknown }): string | null {
  if (init.method !== 'POST' || path !== '/v1/deployments') return null;
  const body = init.body;
  return typeof body === 'object' && body !== null && 'slug' in body && typeof body.slug === 'string'
    ? body.slug
    : null;
}

/** The places whose text holds `value` as it is, in base64 or in hex. */
export function placesHolding(places: Record<string, string>, value: string): string[] {
  const forms = [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')];
  return Object.entries(places)
    .filter(([, text]) => forms.some((form) => text.includes(form)))
    .map(([place]) => place);
}
