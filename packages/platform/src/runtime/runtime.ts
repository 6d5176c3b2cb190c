import { looksLikeCredential } from '@hearth/contracts';
import { jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import type { PlatformEnv } from '../config/config.js';
import { createLogger, SecretScrubber, type Logger, type LoggerOptions } from '../logging/logger.js';
import { awaitStream, connectNats, ensureStream, type StreamSpec } from '../nats/connection.js';
import { DatabaseAvailability } from '../postgres/availability.js';
import { openDatabase } from '../postgres/database.js';
import { startTelemetry, type Telemetry } from '../telemetry/sdk.js';

export interface ServiceRuntime {
  logger: Logger;
  /** Scrubs the values it remembers from every log line: the config's credentials, and what the service adds. */
  scrubber: SecretScrubber;
  dataSource: DataSource;
  /** Turns a failure to reach `dataSource` into HEARTH.DATABASE_UNAVAILABLE, the outage logged once. */
  database: DatabaseAvailability;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Registers a step to run at shutdown; steps run in reverse order of registration. */
  onShutdown(step: () => Promise<unknown>): void;
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  service: string;
  env: PlatformEnv;
  database: string;
  migrations: (new () => MigrationInterface)[];
  entities?: DataSourceOptions['entities'];
  /**
   * The streams this service owns (creates and keeps to spec, with env.NATS_STREAM_REPLICAS replicas);
   * the ones it only uses it never makes.
   */
  streams: StreamSpec[];
  /** Streams another service owns that this one needs before it starts: waited for. */
  awaits?: string[];
  scrubber?: SecretScrubber;
  telemetry?: Telemetry;
  /** Where log lines go (a test keeps them to check what never appears there); stdout by default. */
  logDestination?: LoggerOptions['destination'];
}

/**
 * What every Hearth service starts with: telemetry, a logger, its own database (created and
 * migrated), a NATS connection as its own identity, and the JetStream streams it owns.
 */
export async function startRuntime(options: RuntimeOptions): Promise<ServiceRuntime> {
  const telemetry = options.telemetry ?? startTelemetry(options.service);
  const scrubber = options.scrubber ?? new SecretScrubber();
  for (const value of credentialsIn(options.env)) scrubber.remember(value);
  if (options.env.NATS_NKEY_SEED) scrubber.remember(options.env.NATS_NKEY_SEED);
  const logger = createLogger({
    service: options.service,
    level: options.env.LOG_LEVEL,
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const steps: Array<() => Promise<unknown>> = [() => telemetry.shutdown()];
  const dataSource = await openDatabase(options.env, {
    database: options.database,
    migrations: options.migrations,
    entities: options.entities ?? [],
    applicationName: `hearth-${options.service}`,
  });
  steps.push(() => dataSource.destroy());
  const nc = await connectNats(options.env.NATS_URL, options.service, options.env.NATS_NKEY_SEED);
  steps.push(() => nc.drain());
  const jsm = await jetstreamManager(nc);
  for (const stream of options.streams)
    await ensureStream(jsm, { ...stream, num_replicas: options.env.NATS_STREAM_REPLICAS });
  for (const name of options.awaits ?? []) await awaitStream(jsm, name);
  let stopping: Promise<void> | null = null;
  return {
    logger,
    scrubber,
    dataSource,
    database: new DatabaseAvailability(logger).watch(dataSource),
    nc,
    js: jsm.jetstream(),
    jsm,
    onShutdown: (step) => steps.push(step),
    shutdown: () =>
      (stopping ??= (async () => {
        for (const step of steps.reverse()) {
          await step().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
        }
        logger.flush();
      })()),
  };
}

/** The values of the settings whose names say they are credentials (PGPASSWORD, *_TOKEN, *_SECRET_KEY…); `*_FILE` names a path. */
function credentialsIn(env: PlatformEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => typeof value === 'string' && looksLikeCredential(name) && !/_FILE$/.test(name))
    .map(([, value]) => value as string);
}
