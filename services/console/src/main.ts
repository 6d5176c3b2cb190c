import 'reflect-metadata';
import { Streams } from '@hearth/contracts';
import { correlation, EdgeErrorFilter, NatsServiceTransport, NestPinoLogger, startRuntime } from '@hearth/platform';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { composeConsole } from './compose.js';
import { loadConsoleConfig } from './config.js';
import { ConsoleModule } from './console.module.js';
import { consoleMigrations } from './infra/postgres/migrations.js';

const config = loadConsoleConfig();
const runtime = await startRuntime({
  service: 'console',
  env: config,
  database: config.CONSOLE_DATABASE,
  migrations: consoleMigrations,
  streams: [
    { ...Streams.driverCommands, subjects: [...Streams.driverCommands.subjects] },
    { ...Streams.driverEvents, subjects: [...Streams.driverEvents.subjects] },
  ],
});
const { logger } = runtime;
const console = composeConsole(runtime);
await console.access.bootstrap(config.HEARTH_BOOTSTRAP_ADMIN_TOKEN);

const app = await NestFactory.create<NestExpressApplication>(ConsoleModule.with(console), {
  logger: new NestPinoLogger(logger),
});
app.useGlobalFilters(new EdgeErrorFilter(logger));
app.use((request: { headers: Record<string, string | undefined> }, _response: unknown, next: () => void) => {
  correlation.run(request.headers['x-correlation-id'] ?? randomUUID(), next);
});
app.connectMicroservice(
  {
    strategy: new NatsServiceTransport({
      nc: runtime.nc,
      name: 'hearth-console',
      version: '0.1.0',
      description: 'Deployments and their discovery',
      queue: 'console',
      logger,
    }),
  },
  { inheritAppConfig: true },
);
await app.startAllMicroservices();
await app.listen(config.CONSOLE_PORT, config.CONSOLE_HOST);
await console.relay.start();
await console.driverEvents.start();
runtime.onShutdown(() => app.close());
runtime.onShutdown(() => console.relay.stop());
runtime.onShutdown(() => console.driverEvents.stop());

logger.info({ http: `http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}`, nats: config.NATS_URL }, 'console ready');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void runtime.shutdown().then(() => process.exit(0)));
}
