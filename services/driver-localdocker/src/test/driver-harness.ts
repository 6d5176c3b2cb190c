import {
  DriverEvent,
  ErrorCode,
  HearthError,
  Streams,
  type CredentialWork,
  type CredentialWorkReport,
  type CredentialWorkValues,
  type DriverCommand,
  type SidecarSpec,
  type Status,
  type WorkloadSpec,
} from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import {
  createDriverStreams,
  freshMetadata,
  sharedServiceKeys,
  startNats,
  streamMessages,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Docker from 'dockerode';
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  ContainerEngine,
  ContainerRequest,
  CredentialResolver,
  CredentialStore,
  CredentialWorkSource,
  DeploymentDirectory,
  ManagedContainer,
  NetworkCreation,
} from '../app/ports.js';
import type { DriverUseCases } from '../compose.js';
import { DriverEnv, subnetPoolOf } from '../config.js';
import type { SubnetPool } from '../domain/network/subnet-pool.js';
import { Labels } from '../domain/naming.js';
import type { Whereabouts } from '../domain/reconcile/workspace-fate.js';
import { startDriver } from '../driver.app.js';
import { DockerEngine } from '../infra/docker/docker-engine.js';

export const POSTGRES_IMAGE = 'hearth-test/postgres:15';
export const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

interface StoredSecret {
  provider: 'USER' | 'AUTO_MANAGED';
  type: string;
  values: Record<string, string>;
  tags: Record<string, string>;
  destroyed: boolean;
}

/** The vault's rules for the driver's calls, in memory: USER credentials are never overwritten. */
export class MemoryVault implements CredentialStore {
  readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly journal: string[]) {}

  writeGenerated(
    path: string,
    type: string,
    values: Record<string, string>,
    tags: Record<string, string>,
  ): Promise<void> {
    this.journal.push(`vault.write ${path}`);
    if (this.secrets.get(path)?.provider === 'USER') {
      return Promise.reject(new HearthError(ErrorCode.ProviderConflict, `${path} holds a USER credential`));
    }
    this.secrets.set(path, { provider: 'AUTO_MANAGED', type, values: { ...values }, tags, destroyed: false });
    return Promise.resolve();
  }

  destroyGenerated(path: string): Promise<boolean> {
    const secret = this.secrets.get(path);
    if (!secret || secret.provider !== 'AUTO_MANAGED' || secret.destroyed) return Promise.resolve(false);
    this.journal.push(`vault.destroy ${path}`);
    secret.destroyed = true;
    secret.values = {};
    return Promise.resolve(true);
  }

  generatedPaths(prefix: string): Promise<string[]> {
    return Promise.resolve(
      [...this.secrets]
        .filter(([path, s]) => path.startsWith(prefix) && s.provider === 'AUTO_MANAGED' && !s.destroyed)
        .map(([path]) => path),
    );
  }
}

/**
 * The vault's work channel in memory: a test queues work with its values in clear (standing in for
 * the vault's claim and the sealing to the driver's key) and reads the reports.
 */
export class MemoryCredentialWork implements CredentialWorkSource {
  private readonly values = new Map<string, CredentialWorkValues>();
  private queued: CredentialWork[] = [];
  readonly reports: CredentialWorkReport[] = [];

  /** An item as the vault would hand it out, queued for the next claim. */
  queue(
    work: Omit<CredentialWork, 'id' | 'sealed'>,
    values: Omit<CredentialWorkValues, 'path' | 'version'>,
  ): CredentialWork {
    const item: CredentialWork = { ...work, id: randomUUID(), sealed: Buffer.from('in memory').toString('base64') };
    this.values.set(item.id, { ...values, path: work.path, version: work.version });
    this.queued.push(item);
    return item;
  }

  claim(): Promise<CredentialWork[]> {
    const claimed = this.queued;
    this.queued = [];
    return Promise.resolve(claimed);
  }

  open(work: CredentialWork): CredentialWorkValues {
    const values = this.values.get(work.id);
    if (values === undefined) throw new HearthError(ErrorCode.BadSeal, 'no such work');
    return values;
  }

  report(report: CredentialWorkReport): Promise<void> {
    this.reports.push(report);
    return Promise.resolve();
  }
}

/** The console's view of each deployment, as a test sets it. */
export class MemoryDirectory implements DeploymentDirectory {
  /** Each deployment's status, or `elsewhere` for one that lives on another engine. */
  readonly statuses = new Map<string, Status | 'elsewhere'>();
  /** Slugs the console does not answer for (a timeout, an answer that did not verify). */
  readonly unanswered = new Set<string>();

  statusOf(slug: string): Promise<Whereabouts> {
    if (this.unanswered.has(slug)) return Promise.reject(new HearthError(ErrorCode.Unavailable, 'no answer'));
    return Promise.resolve(this.statuses.get(slug) ?? null);
  }
}

export interface DriverHarness {
  useCases: DriverUseCases;
  docker: Docker;
  engine: ContainerEngine;
  vault: MemoryVault;
  /** The vault's credential work channel, in memory. */
  credentialWork: MemoryCredentialWork;
  directory: MemoryDirectory;
  /** Every network and container created, every container started, every vault write and destroy, in order. */
  journal: string[];
  /** The options of every network created through the Engine API, as sent. */
  networkRequests: Docker.NetworkCreateOptions[];
  /** Every log line the driver wrote. */
  logs: string[];
  nats: TestNats;
  instance: string;
  /** The pool the driver's workspace networks take their subnets from. */
  subnetPool: SubnetPool;
  /** The driver's logger (its lines land in `logs`). */
  logger: Logger;
  /** A fresh workspace slug; the directory says it is requested. */
  newSlug(): string;
  provisionCommand(
    slug: string,
    sidecars: SidecarSpec[],
    workloads?: WorkloadSpec[],
  ): DriverCommand & { type: 'ProvisionSidecarsV1' };
  restartCommand(
    slug: string,
    sidecars: SidecarSpec[],
    workloads: WorkloadSpec[],
    workload?: string,
  ): DriverCommand & { type: 'RestartWorkloadsV1' };
  deprovisionCommand(slug: string): DriverCommand & { type: 'DeprovisionSidecarsV1' };
  /** The answers in DRIVER_EVENTS for a command, in order. */
  answersTo(commandId: string): Promise<DriverEvent[]>;
  /** The containers this harness's driver made for `slug`. */
  containersOf(slug: string): Promise<ManagedContainer[]>;
  /** How many of this driver's containers and networks `slug` still has. */
  leftovers(slug: string): Promise<{ containers: number; networks: number }>;
  close(): Promise<void>;
}

/** The real engine, noting in the journal when containers are created and started. */
class JournalingEngine extends DockerEngine {
  constructor(
    docker: Docker,
    private readonly journal: string[],
  ) {
    super(docker);
  }

  override createNetwork(name: string, labels: Record<string, string>, subnet: string): Promise<NetworkCreation> {
    this.journal.push(`docker.network ${name}`);
    return super.createNetwork(name, labels, subnet);
  }

  override createContainer(request: ContainerRequest): Promise<string> {
    this.journal.push(`docker.create ${request.name}`);
    return super.createContainer(request);
  }

  override startContainer(containerId: string): Promise<void> {
    this.journal.push(`docker.start ${containerId}`);
    return super.startContainer(containerId);
  }
}

async function requireImages(docker: Docker): Promise<void> {
  for (const image of [POSTGRES_IMAGE, BUSYBOX_IMAGE]) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      throw new Error(`image ${image} is missing: run scripts/build-test-images.sh (.ci/run does)`);
    }
  }
}

/**
 * The driver, started as main starts it, over the real Docker engine and a nats-server of the test's
 * own (answers go to its DRIVER_EVENTS stream); the vault and the console's directory are in memory,
 * and its worker is not started unless asked: a test hands commands to its use cases. Everything it makes carries a
 * label of this harness's own, and `close` removes all of it.
 */
export async function startDriverHarness(
  options: {
    readyTimeoutMs?: number;
    startWorkers?: boolean;
    bindRoots?: string;
    /** DRIVER_SUBNET_POOL (the default pool unless said). */
    subnetPool?: string;
    /** The vault's resolution for workloads, as a test stands it in (none: the real client, unanswered). */
    resolver?: CredentialResolver;
  } = {},
): Promise<DriverHarness> {
  const docker = new Docker();
  await docker.ping();
  await requireImages(docker);
  const nats = await startNats();
  // The console makes the driver streams; this harness runs no console, so it stands in for it.
  const setup = await connect({ servers: nats.url });
  await createDriverStreams(await jetstreamManager(setup));
  await setup.close();
  const journal: string[] = [];
  const logs: string[] = [];
  // The engine gets a client of its own whose network creates are noted as sent: what the Engine
  // API was asked for (CheckDuplicate, Internal) is then a fact a test can check.
  const networkRequests: Docker.NetworkCreateOptions[] = [];
  const recording = new Docker();
  const createNetwork = recording.createNetwork.bind(recording);
  recording.createNetwork = ((options: Docker.NetworkCreateOptions) => {
    networkRequests.push(structuredClone(options));
    return createNetwork(options);
  }) as typeof recording.createNetwork;
  const engine = new JournalingEngine(recording, journal);
  const vault = new MemoryVault(journal);
  const credentialWork = new MemoryCredentialWork();
  const directory = new MemoryDirectory();
  const instance = `test-${randomBytes(4).toString('hex')}`;
  const config = DriverEnv.parse({
    NATS_URL: nats.url,
    LOG_LEVEL: 'debug',
    DRIVER_INSTANCE: instance,
    DRIVER_VAULT_ACTOR: 'driver-test',
    DRIVER_VAULT_SECRET_KEY: randomBytes(64).toString('base64'), // unused: the vault is in memory
    VAULT_SEAL_PUBLIC_KEY: randomBytes(32).toString('base64'),
    DRIVER_RECONCILE_SECONDS: '0',
    ...(options.bindRoots === undefined ? {} : { DRIVER_BIND_ROOTS: options.bindRoots }),
    ...(options.subnetPool === undefined ? {} : { DRIVER_SUBNET_POOL: options.subnetPool }),
    ...sharedServiceKeys().env('driver-localdocker'),
  });
  const app = await startDriver(config, {
    docker: recording,
    ports: {
      engine,
      vault,
      directory,
      credentialWork,
      ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    },
    readiness: { timeoutMs: options.readyTimeoutMs ?? 30_000, pollMs: 100, settleMs: 500 },
    startWorkers: options.startWorkers ?? false,
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  const mine = (slug: string) => ({ [Labels.instance]: instance, [Labels.slug]: slug });
  const metadata = () => freshMetadata('test');
  return {
    useCases: app.useCases,
    docker,
    engine,
    vault,
    credentialWork,
    directory,
    journal,
    networkRequests,
    logs,
    nats,
    instance,
    subnetPool: subnetPoolOf(config),
    logger: app.logger,
    newSlug: () => {
      const slug = `it-${randomBytes(4).toString('hex')}`;
      directory.statuses.set(slug, 'requested');
      return slug;
    },
    provisionCommand: (slug, sidecars, workloads) => ({
      id: randomUUID(),
      type: 'ProvisionSidecarsV1',
      stream: `deployment-${slug}`,
      version: 1,
      data: { slug, tier: 'dev', driver: 'localdocker', sidecars, ...(workloads === undefined ? {} : { workloads }) },
      metadata: metadata(),
    }),
    restartCommand: (slug, sidecars, workloads, workload) => ({
      id: randomUUID(),
      type: 'RestartWorkloadsV1',
      stream: `deployment-${slug}`,
      version: 4,
      data: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars,
        workloads,
        ...(workload === undefined ? {} : { workload }),
      },
      metadata: metadata(),
    }),
    deprovisionCommand: (slug) => ({
      id: randomUUID(),
      type: 'DeprovisionSidecarsV1',
      stream: `deployment-${slug}`,
      version: 5,
      data: { slug, driver: 'localdocker' },
      metadata: metadata(),
    }),
    answersTo: async (commandId) =>
      (await streamMessages(app.jsm, Streams.driverEvents.name))
        .map((m) => DriverEvent.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))))
        .filter((event) => event.data.command_id === commandId),
    containersOf: (slug) => engine.listContainers(mine(slug)),
    leftovers: async (slug) => ({
      containers: (await engine.listContainers(mine(slug))).length,
      networks: (await engine.listNetworks(mine(slug))).length,
    }),
    close: async () => {
      const ours = { label: [`${Labels.instance}=${instance}`] };
      for (const c of await docker.listContainers({ all: true, filters: ours })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
      }
      for (const n of await docker.listNetworks({ filters: ours })) await docker.getNetwork(n.Id).remove();
      await app.shutdown();
      await nats.stop();
    },
  };
}
