/**
 * Test fixture: a process running only an outbox relay, so a medium test can SIGKILL it mid-batch,
 * or end its Postgres connections and see whether it survives.
 * Env: NATS_URL, RELAY_DATABASE, RELAY_POLL_MS (plus the PG* defaults).
 */
import { jetstream } from '@nats-io/jetstream';
import { PlatformEnv } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { connectNats } from '../nats/connection.js';
import { openDatabase, poolOf } from '../postgres/database.js';
import { PlatformSchema1763800000000 } from '../postgres/platform-schema.migration.js';
import { OutboxRelay } from './relay.js';

const env = PlatformEnv.parse(process.env);
const dataSource = await openDatabase(env, {
  database: process.env.RELAY_DATABASE ?? '',
  migrations: [PlatformSchema1763800000000],
  applicationName: 'relay-fixture',
});
const nc = await connectNats(env.NATS_URL, 'relay-fixture');
const relay = new OutboxRelay(poolOf(dataSource), jetstream(nc), createLogger({ service: 'relay-fixture' }), {
  batchSize: 50,
  ...(process.env.RELAY_POLL_MS ? { pollMs: Number(process.env.RELAY_POLL_MS) } : {}),
});
await relay.start();
