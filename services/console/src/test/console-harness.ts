import { Streams } from '@hearth/contracts';
import { PlatformEnv } from '@hearth/platform/config';
import { startRuntime, type ServiceRuntime } from '@hearth/platform/runtime';
import { createTestDatabase, startNats, type TestDatabase, type TestNats } from '@hearth/testkit';
import { composeConsole, type Console } from '../compose.js';
import { consoleMigrations } from '../infra/postgres/migrations.js';

export interface ConsoleHarness {
  console: Console;
  runtime: ServiceRuntime;
  nats: TestNats;
  db: TestDatabase;
  close(): Promise<void>;
}

/** The console's use cases over a real database and a real nats-server of the test's own. */
export async function startConsoleHarness(): Promise<ConsoleHarness> {
  const nats = await startNats();
  const db = await createTestDatabase('hearth_console');
  const runtime = await startRuntime({
    service: 'console',
    env: PlatformEnv.parse({ ...process.env, NATS_URL: nats.url, LOG_LEVEL: 'silent' }),
    database: db.name,
    migrations: consoleMigrations,
    streams: [
      { ...Streams.driverCommands, subjects: [...Streams.driverCommands.subjects] },
      { ...Streams.driverEvents, subjects: [...Streams.driverEvents.subjects] },
    ],
  });
  const console = composeConsole(runtime);
  return {
    console,
    runtime,
    nats,
    db,
    close: async () => {
      await runtime.shutdown();
      await db.drop();
      await nats.stop();
    },
  };
}
