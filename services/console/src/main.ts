import 'reflect-metadata';
import { Streams } from '@hearth/contracts';
import { exitOnSignals, serveNest } from '@hearth/platform/nest';
import { startRuntime } from '@hearth/platform/runtime';
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

await serveNest({
  module: ConsoleModule.with(console),
  runtime,
  service: {
    name: 'hearth-console',
    version: '0.1.0',
    description: 'Deployments and their discovery',
    queue: 'console',
  },
  http: { port: config.CONSOLE_PORT, host: config.CONSOLE_HOST },
});
await console.relay.start();
await console.driverEvents.start();
runtime.onShutdown(() => console.relay.stop());
runtime.onShutdown(() => console.driverEvents.stop());

logger.info({ http: `http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}`, nats: config.NATS_URL }, 'console ready');
exitOnSignals(runtime);
