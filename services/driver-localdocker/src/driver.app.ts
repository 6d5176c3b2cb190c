import { BusSigner, BusVerifier, cryptoReady, ParkedStream, signingKeyOf, Streams } from '@hearth/contracts';
import { createLogger, SecretScrubber, type Logger, type LoggerOptions } from '@hearth/platform/logging';
import { awaitStream, connectNats, ensureStream } from '@hearth/platform/nats';
import { startTelemetry } from '@hearth/platform/telemetry';
import { DiscardPolicy, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import Docker from 'dockerode';
import type { ReadinessOptions } from './app/readiness.js';
import { composeDriver, realPorts, type DriverPorts, type DriverUseCases, type DriverWorkers } from './compose.js';
import { loadVaultIdentity, subnetPoolOf, type DriverConfig } from './config.js';
import { capacityOf, formatBlock } from './domain/network/subnet-pool.js';

export interface DriverOptions {
  /** Ports a test puts in place of the real ones (an in-memory vault, a journaling engine…). */
  ports?: Partial<DriverPorts>;
  /** The Engine API client; Docker's own settings (DOCKER_HOST, or the local socket) by default. */
  docker?: Docker;
  /** Finer than DRIVER_READY_TIMEOUT_SECONDS allows, for tests. */
  readiness?: ReadinessOptions;
  /** Start the worker (default); a test that hands commands to the use cases itself goes without. */
  startWorkers?: boolean;
  /** Where log lines go (a test keeps them); stdout by default. */
  logDestination?: LoggerOptions['destination'];
}

/** A started driver; `shutdown()` stops its worker and closes its connections, in order. */
export interface DriverApp {
  useCases: DriverUseCases;
  workers: DriverWorkers;
  logger: Logger;
  nc: NatsConnection;
  jsm: JetStreamManager;
  shutdown(): Promise<void>;
}

/** The one way the driver starts: main, the medium tests' harness and the process starters all come here. */
export async function startDriver(config: DriverConfig, options: DriverOptions = {}): Promise<DriverApp> {
  const identity = loadVaultIdentity(config);
  const telemetry = startTelemetry('driver-localdocker');
  const scrubber = new SecretScrubber();
  // The driver's own key is a secret its logs must never hold, like the credentials it generates.
  scrubber.remember(identity.keys.secretKey);
  if (config.NATS_NKEY_SEED) scrubber.remember(config.NATS_NKEY_SEED);
  const logger = createLogger({
    service: 'driver-localdocker',
    level: config.LOG_LEVEL,
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const docker = options.docker ?? new Docker();
  try {
    await docker.ping();
  } catch (error) {
    logger.fatal('the Docker engine does not answer (DOCKER_HOST or /var/run/docker.sock)');
    logger.flush();
    await telemetry.shutdown();
    throw error;
  }
  await cryptoReady();
  const nc = await connectNats(config.NATS_URL, 'driver-localdocker', config.NATS_NKEY_SEED);
  const jsm = await jetstreamManager(nc);
  // Both streams are the console's to make (infra/nats.conf): the driver waits for them.
  for (const stream of [Streams.driverCommands, Streams.driverEvents]) await awaitStream(jsm, stream.name);
  // PARKED is the driver's own: where it parks what it will not apply, having no database.
  await ensureStream(jsm, {
    name: ParkedStream.name,
    subjects: [...ParkedStream.subjects],
    max_msgs_per_subject: ParkedStream.maxMsgsPerSubject,
    max_msg_size: ParkedStream.maxMsgSize,
    discard: DiscardPolicy.Old,
    num_replicas: config.NATS_STREAM_REPLICAS,
  });
  const ports = realPorts({
    nc,
    js: jsm.jetstream(),
    jsm,
    docker,
    identity,
    scrubber,
    logger,
    engine: config.DRIVER_INSTANCE,
    ackWaitMs: config.DRIVER_ACK_WAIT_SECONDS * 1000,
    bus: {
      signer: new BusSigner('driver-localdocker', signingKeyOf(config.DRIVER_SIGNING_KEY, 'DRIVER_SIGNING_KEY')),
      verifier: new BusVerifier(config.HEARTH_SERVICE_KEYS),
    },
  });
  const { useCases, workers } = composeDriver(
    { ...ports, ...options.ports },
    {
      instance: config.DRIVER_INSTANCE,
      readiness: options.readiness ?? {
        timeoutMs: config.DRIVER_READY_TIMEOUT_SECONDS * 1000,
        pollMs: 100,
        settleMs: 1_000,
      },
      reconcileMs: config.DRIVER_RECONCILE_SECONDS * 1000,
      mounts: { roots: config.DRIVER_BIND_ROOTS, guarded: [config.HEARTH_HOME] },
      credentialWorkMs: config.DRIVER_CREDENTIAL_WORK_SECONDS * 1000,
      subnetPool: subnetPoolOf(config),
    },
  );
  if (options.startWorkers ?? true) {
    await workers.driver.start();
    workers.credentialWork.start();
  }
  logger.info(
    {
      nats: config.NATS_URL,
      instance: config.DRIVER_INSTANCE,
      vault_actor: identity.actor,
      bind_roots: config.DRIVER_BIND_ROOTS,
      subnet_pool: `${formatBlock(config.DRIVER_SUBNET_POOL)} in /${config.DRIVER_SUBNET_PREFIX}s (${capacityOf(subnetPoolOf(config))})`,
    },
    'driver-localdocker ready',
  );

  let stopping: Promise<void> | null = null;
  const shutdown = () =>
    (stopping ??= (async () => {
      await workers.credentialWork.stop();
      await workers.driver.stop();
      await nc.drain();
      await telemetry.shutdown();
      logger.flush();
    })());
  return { useCases, workers, logger, nc, jsm, shutdown };
}
