/**
 * A child process running only an outbox relay, so a medium test can SIGKILL it mid-batch.
 * Env: NATS_URL, RELAY_DATABASE.
 */
import {
  connectNats,
  createLogger,
  openDatabase,
  OutboxRelay,
  poolOf,
  PlatformSchema1763800000000,
} from '@hearth/platform';
import { jetstream } from '@nats-io/jetstream';
import { pgEnv } from './database.js';

const dataSource = await openDatabase(pgEnv, {
  database: process.env.RELAY_DATABASE ?? '',
  migrations: [PlatformSchema1763800000000],
  applicationName: 'relay-child',
});
const nc = await connectNats(pgEnv.NATS_URL, 'relay-child');
const relay = new OutboxRelay(poolOf(dataSource), jetstream(nc), createLogger({ service: 'relay-child' }), {
  batchSize: 50,
});
await relay.start();
process.stdout.write('relay started\n');
