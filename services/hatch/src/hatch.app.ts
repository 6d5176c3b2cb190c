import { BusVerifier } from '@hearth/contracts';
import { serveNest } from '@hearth/platform/nest';
import type { Clock, Ids } from '@hearth/platform/ports';
import { randomIds, startRuntime, systemClock, type ServiceRuntime } from '@hearth/platform/runtime';
import type { meter, Telemetry } from '@hearth/platform/telemetry';
import { composeHatch, type Hatch } from './compose.js';
import type { HatchConfig } from './config.js';
import { hatchModule } from './hatch.module.js';
import { Ed25519Signer } from './infra/crypto/ed25519-signer.js';
import { hatchStreamSpec } from './infra/nats/hatch-stream.js';
import { hatchEntities } from './infra/postgres/entities.js';
import { hatchMigrations } from './infra/postgres/migrations/index.js';
import { OtelAuditMetrics } from './infra/telemetry/hatch-metrics.js';

/** What a test or a bench may replace; main replaces nothing. */
export interface HatchOverrides {
  clock?: Clock;
  ids?: Ids;
  /** Where the metrics go (default: the OpenTelemetry meter `hatch`). */
  meter?: ReturnType<typeof meter>;
  /** How often live tails look for new records when no notification came (default 1 s). */
  feedPollMs?: number;
  /** false: the ingest and the checkpoint timer wait for the caller to start them. */
  startWorkers?: boolean;
  /** The process's OpenTelemetry SDK, when one runs already (a second hatch in a test's process). */
  telemetry?: Telemetry;
}

export interface HatchService {
  hatch: Hatch;
  runtime: ServiceRuntime;
  stop(): Promise<void>;
}

/** Starts hatch: database, HATCH stream, the auditor's HTTP and NATS API, the live-tail feed, the ingest, the checkpoint timer and the sequence watch. */
export async function startHatch(config: HatchConfig, overrides: HatchOverrides = {}): Promise<HatchService> {
  // Before anything else: without its key hatch cannot sign, and it has no default key.
  const signer = Ed25519Signer.fromConfig(config);
  const clock = overrides.clock ?? systemClock;
  const runtime = await startRuntime({
    service: 'hatch',
    env: config,
    database: config.HATCH_DATABASE,
    migrations: hatchMigrations,
    entities: hatchEntities,
    streams: [hatchStreamSpec(config)],
    ...(overrides.telemetry ? { telemetry: overrides.telemetry } : {}),
  });
  const metrics = new OtelAuditMetrics(clock, overrides.meter);
  const hatch = composeHatch(runtime, config, {
    signer,
    clock,
    ids: overrides.ids ?? randomIds,
    metrics,
    verifier: new BusVerifier(config.HEARTH_SERVICE_KEYS),
    feedPollMs: overrides.feedPollMs,
  });
  const { feed, ingest, checkpointTimer, sequenceWatch } = hatch.workers;
  metrics.observe({ lag: () => ingest.lag(), lastCheckpoint: () => hatch.checkpoints.last() });

  await serveNest({
    module: hatchModule(hatch),
    runtime,
    service: {
      name: 'hearth-hatch',
      version: '0.1.0',
      description: 'The audit log: append-only, hash-chained, signed checkpoints',
      queue: 'hatch',
    },
    // Live tails never end by themselves; shutting down closes them.
    http: { port: config.HATCH_PORT, host: config.HATCH_HOST, forceCloseConnections: true },
  });
  await feed.start();
  runtime.onShutdown(() => feed.stop());
  runtime.onShutdown(() => ingest.stop());
  runtime.onShutdown(() => checkpointTimer.stop());
  runtime.onShutdown(() => sequenceWatch.stop());
  if (overrides.startWorkers !== false) {
    ingest.start();
    checkpointTimer.start();
    sequenceWatch.start();
  }
  runtime.logger.info(
    { http: `http://${config.HATCH_HOST}:${config.HATCH_PORT}`, nats: config.NATS_URL },
    'hatch ready',
  );
  return { hatch, runtime, stop: () => runtime.shutdown() };
}
