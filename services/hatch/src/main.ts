import 'reflect-metadata';
import { correlation, EdgeErrorFilter, NatsServiceTransport, NestPinoLogger, startRuntime } from '@hearth/platform';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { composeHatch, systemClock } from './compose.js';
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
metrics.observeLag(() => hatch.ingest.lag());
const lastCheckpoint = await hatch.log.lastCheckpoint();
if (lastCheckpoint) metrics.checkpointed(lastCheckpoint);

const app = await NestFactory.create<NestExpressApplication>(HatchModule.with(hatch), {
  logger: new NestPinoLogger(logger),
  // Live tails never end by themselves; shutting down closes them.
  forceCloseConnections: true,
});
app.useGlobalFilters(new EdgeErrorFilter(logger));
app.use((request: { headers: Record<string, string | undefined> }, _response: unknown, next: () => void) => {
  correlation.run(request.headers['x-correlation-id'] ?? randomUUID(), next);
});
app.connectMicroservice(
  {
    strategy: new NatsServiceTransport({
      nc: runtime.nc,
      name: 'hearth-hatch',
      version: '0.1.0',
      description: 'The audit log: append-only, hash-chained, signed checkpoints',
      queue: 'hatch',
      logger,
    }),
  },
  { inheritAppConfig: true },
);
await app.startAllMicroservices();
await app.listen(config.HATCH_PORT, config.HATCH_HOST);
await hatch.feed.start();
runtime.onShutdown(() => hatch.feed.stop());
hatch.ingest.start();
runtime.onShutdown(() => hatch.ingest.stop());
hatch.signCheckpoint.start(config.HATCH_CHECKPOINT_SECONDS * 1000);
runtime.onShutdown(() => hatch.signCheckpoint.stop());
runtime.onShutdown(() => app.close());

logger.info({ http: `http://${config.HATCH_HOST}:${config.HATCH_PORT}`, nats: config.NATS_URL }, 'hatch ready');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void runtime.shutdown().then(() => process.exit(0)));
}
