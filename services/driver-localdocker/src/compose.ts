import { ConsoleClient, VaultClient } from '@hearth/contracts';
import { type Logger } from '@hearth/platform/logging';
import { type SecretScrubber } from '@hearth/platform/logging';
import { injectTraceContext } from '@hearth/platform/telemetry';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type Docker from 'dockerode';
import { DeprovisionSidecars } from './app/deprovision-sidecars/deprovision-sidecars.js';
import { DriverCommands } from './app/driver-commands.js';
import type {
  AnswerPublisher,
  ContainerEngine,
  CredentialGenerator,
  CredentialStore,
  DeploymentDirectory,
  HostPaths,
  ValueScrubber,
} from './app/ports.js';
import { type Clock } from '@hearth/platform/ports';
import { systemClock } from '@hearth/platform/runtime';
import { ProvisionSidecars } from './app/provision-sidecars/provision-sidecars.js';
import type { ReadinessOptions } from './app/readiness.js';
import { Reconcile } from './app/reconcile/reconcile.js';
import { Serial, WorkspaceResources } from './app/workspace-resources.js';
import type { VaultIdentity } from './config.js';
import { ConsoleDirectory } from './infra/console/console-directory.js';
import { randomCredentials } from './infra/crypto/random-credentials.js';
import { DockerEngine } from './infra/docker/docker-engine.js';
import { realHostPaths } from './infra/host/host-paths.js';
import { JetStreamAnswers } from './infra/nats/answer-publisher.js';
import { VaultCredentials } from './infra/vault/vault-credentials.js';
import { DriverCommandsConsumer } from './transport/jetstream/driver-commands.consumer.js';

/** Every port of the driver, each real or fake as a test picks. */
export interface DriverPorts {
  engine: ContainerEngine;
  vault: CredentialStore;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  hostPaths: HostPaths;
  credentials: CredentialGenerator;
  scrubber: ValueScrubber;
  clock: Clock;
  logger: Logger;
}

export interface DriverSettings {
  instance: string;
  readiness: ReadinessOptions;
}

/** The driver's use cases, wired once from its ports. */
export function composeDriver(ports: DriverPorts, settings: DriverSettings) {
  const resources = new WorkspaceResources(ports.engine, settings.instance);
  const provision = new ProvisionSidecars({ ...ports, resources, readiness: settings.readiness });
  const deprovision = new DeprovisionSidecars({ ...ports, resources });
  const reconcile = new Reconcile({ ...ports, resources });
  return {
    resources,
    provision,
    deprovision,
    reconcile,
    commands: new DriverCommands(provision, deprovision, reconcile, new Serial()),
  };
}
export type Driver = ReturnType<typeof composeDriver>;

export interface DriverConnections {
  nc: NatsConnection;
  js: JetStreamClient;
  docker: Docker;
  identity: VaultIdentity;
  scrubber: SecretScrubber;
  logger: Logger;
}

/** The real ports: Docker, the vault and the console over NATS, JetStream for answers. */
export function realPorts(connections: DriverConnections): DriverPorts {
  const { nc, identity } = connections;
  return {
    engine: new DockerEngine(connections.docker),
    vault: new VaultCredentials(new VaultClient(nc, identity.actor, identity.keys)),
    answers: new JetStreamAnswers(connections.js),
    directory: new ConsoleDirectory(new ConsoleClient(nc, { injectTraceContext })),
    hostPaths: realHostPaths,
    credentials: randomCredentials,
    scrubber: connections.scrubber,
    clock: systemClock,
    logger: connections.logger,
  };
}

export function commandsConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  logger: Logger,
  driver: Driver,
  ackWaitMs: number,
): DriverCommandsConsumer {
  return new DriverCommandsConsumer(js, jsm, logger, driver.commands, { durable: 'driver-localdocker', ackWaitMs });
}
