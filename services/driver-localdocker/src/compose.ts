import { ConsoleClient, VaultClient, type BusSigner, type BusVerifier } from '@hearth/contracts';
import type { Logger, SecretScrubber } from '@hearth/platform/logging';
import type { Clock } from '@hearth/platform/ports';
import { systemClock } from '@hearth/platform/runtime';
import { injectTraceContext } from '@hearth/platform/telemetry';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type Docker from 'dockerode';
import { CredentialWorkRunner } from './app/credential-work/credential-work.js';
import { DeprovisionSidecars } from './app/deprovision-sidecars/deprovision-sidecars.js';
import { DriverCommands } from './app/driver-commands.js';
import type {
  AnswerPublisher,
  CommandQueue,
  ContainerEngine,
  CredentialGenerator,
  CredentialResolver,
  CredentialStore,
  CredentialWorkSource,
  DeploymentDirectory,
  DriverMetrics,
  HostPaths,
  ValueScrubber,
} from './app/ports.js';
import { ProvisionSidecars } from './app/provision-sidecars/provision-sidecars.js';
import type { ReadinessOptions } from './app/readiness.js';
import { Reconcile } from './app/reconcile/reconcile.js';
import { RestartWorkloads } from './app/restart-workloads/restart-workloads.js';
import { CredentialWorkWorker } from './app/workers/credential-work.js';
import { DriverWorker } from './app/workers/driver.worker.js';
import { WorkloadDispatch } from './app/workload-dispatch.js';
import { WorkspaceNetworks } from './app/workspace-network.js';
import { Serial, WorkspaceResources } from './app/workspace-resources.js';
import type { VaultIdentity } from './config.js';
import type { SubnetPool } from './domain/network/subnet-pool.js';
import type { MountPolicy } from './domain/plan/container-rules.js';
import { ConsoleDirectory } from './infra/console/console-directory.js';
import { randomCredentials } from './infra/crypto/random-credentials.js';
import { DockerEngine } from './infra/docker/docker-engine.js';
import { realHostPaths } from './infra/host/host-paths.js';
import { JetStreamAnswers } from './infra/nats/answer-publisher.js';
import { JetStreamCommandQueue } from './infra/nats/command-queue.js';
import { JetStreamParkedRecords } from './infra/nats/parked-records.js';
import { OtelDriverMetrics } from './infra/telemetry/driver-metrics.js';
import { VaultCredentialWork, VaultCredentials } from './infra/vault/vault-credentials.js';
import { VaultResolver } from './infra/vault/vault-resolver.js';

/** Every port of the driver, each real or fake as a test picks. */
export interface DriverPorts {
  engine: ContainerEngine;
  vault: CredentialStore;
  resolver: CredentialResolver;
  credentialWork: CredentialWorkSource;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  metrics: DriverMetrics;
  commandQueue: CommandQueue;
  hostPaths: HostPaths;
  credentials: CredentialGenerator;
  scrubber: ValueScrubber;
  clock: Clock;
  logger: Logger;
}

export interface DriverSettings {
  instance: string;
  readiness: ReadinessOptions;
  /** Between reconcile passes; 0: on start only. */
  reconcileMs: number;
  /** Where binds may come from (DRIVER_BIND_ROOTS), and what they never reach (HEARTH_HOME). */
  mounts: MountPolicy;
  /** Between polls of the vault for credential work (rotations, checks); 0: never. */
  credentialWorkMs: number;
  /** Where workspace networks take their subnets (DRIVER_SUBNET_POOL, DRIVER_SUBNET_PREFIX). */
  subnetPool: SubnetPool;
}

/** The driver's one composition root: its use cases and its worker, wired once from its ports. */
export function composeDriver(ports: DriverPorts, settings: DriverSettings) {
  const resources = new WorkspaceResources(ports.engine, settings.instance);
  const workloads = new WorkloadDispatch({ ...ports, resources, readiness: settings.readiness });
  const planning = { ...ports, resources, workloads, readiness: settings.readiness, mounts: settings.mounts };
  const networks = new WorkspaceNetworks({ ...ports, pool: settings.subnetPool });
  const provision = new ProvisionSidecars({ ...planning, networks });
  const restart = new RestartWorkloads(planning);
  const deprovision = new DeprovisionSidecars({ ...ports, resources });
  const reconcile = new Reconcile({ ...ports, resources });
  const serial = new Serial();
  const commands = new DriverCommands(provision, restart, deprovision, reconcile, serial);
  const credentialWork = new CredentialWorkRunner({ ...ports, resources, work: ports.credentialWork });
  return {
    useCases: { provision, restart, deprovision, reconcile, commands, credentialWork },
    workers: {
      driver: new DriverWorker(ports.commandQueue, commands, ports.logger, settings.reconcileMs),
      credentialWork: new CredentialWorkWorker(credentialWork, serial, ports.logger, settings.credentialWorkMs),
    },
  };
}
export type DriverUseCases = ReturnType<typeof composeDriver>['useCases'];
export type DriverWorkers = ReturnType<typeof composeDriver>['workers'];

export interface DriverConnections {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  docker: Docker;
  identity: VaultIdentity;
  scrubber: SecretScrubber;
  logger: Logger;
  /** The engine it runs (DRIVER_INSTANCE): whose commands it takes. */
  engine: string;
  /** How soon a command the driver died on is delivered again. */
  ackWaitMs: number;
  /** Signs its answers; checks the console's commands and answers. */
  bus: { signer: BusSigner; verifier: BusVerifier };
}

/** The real ports: Docker, the vault and the console over NATS, JetStream for commands and answers. */
export function realPorts(connections: DriverConnections): DriverPorts {
  const { nc, js, identity, logger, bus } = connections;
  const vault = new VaultClient(nc, identity.actor, identity.keys, { vaultSealKey: identity.vaultSealKey });
  return {
    engine: new DockerEngine(connections.docker),
    vault: new VaultCredentials(vault),
    resolver: new VaultResolver(vault),
    credentialWork: new VaultCredentialWork(vault),
    answers: new JetStreamAnswers(js, bus.signer),
    directory: new ConsoleDirectory(new ConsoleClient(nc, bus.verifier, { injectTraceContext }), connections.engine),
    metrics: new OtelDriverMetrics(),
    commandQueue: new JetStreamCommandQueue(
      js,
      connections.jsm,
      logger,
      new JetStreamParkedRecords(js, systemClock),
      bus.verifier,
      { engine: connections.engine, ackWaitMs: connections.ackWaitMs },
    ),
    hostPaths: realHostPaths,
    credentials: randomCredentials,
    scrubber: connections.scrubber,
    clock: systemClock,
    logger,
  };
}
