import 'reflect-metadata';
import { exitOnSignals, serveNest } from '@hearth/platform/nest';
import { startRuntime } from '@hearth/platform/runtime';
import { composeHatch } from './compose.js';
import { systemClock } from '@hearth/platform/runtime';
import { loadHatchConfig } from './config.js';
import { HatchModule } from './hatch.module.js';
import { Ed25519Signer } from './infra/crypto/ed25519-signer.js';
import { hatchStreamSpec } from './infra/nats/hatch-stream.js';
import { hatchMigrations } from './infra/postgres/migrations.js';
import { OtelAuditMetrics } from './infra/telemetry/hatch-metrics.js';

const config = loadHatchConfig();
// Before anything else: without its key hatch cannot sign, and it has no default key.
const signer = Ed25519Signer.fromConfig(config);
const runtime = await startRuntime({
  service: 'hatch',
  env: config,
  database: config.HATCH_DATABASE,
  migrations: hatchMigrations,
  streams: [hatchStreamSpec(config)],
});
const { logger } = runtime;
const metrics = new OtelAuditMetrics(systemClock);
const hatch = composeHatch(runtime, config, { signer, metrics });
metrics.observe({ lag: () => hatch.ingest.lag(), lastCheckpoint: () => hatch.log.lastCheckpoint() });

await serveNest({
  module: HatchModule.with(hatch),
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
await hatch.feed.start();
runtime.onShutdown(() => hatch.feed.stop());
hatch.ingest.start();
runtime.onShutdown(() => hatch.ingest.stop());
hatch.signCheckpoint.start(config.HATCH_CHECKPOINT_SECONDS * 1000);
runtime.onShutdown(() => hatch.signCheckpoint.stop());

logger.info({ http: `http://${config.HATCH_HOST}:${config.HATCH_PORT}`, nats: config.NATS_URL }, 'hatch ready');
exitOnSignals(runtime);
