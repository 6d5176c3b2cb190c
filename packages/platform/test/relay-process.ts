/**
 * Test-only (built apart from the platform's dist): a process running only an outbox relay, so a
 * medium test can SIGKILL it mid-batch, or end its Postgres connections and see it survive.
 * Env: NATS_URL, RELAY_DATABASE, RELAY_POLL_MS, RELAY_SIGNING_KEY (PEM; it signs as the vault) (plus the PG* defaults).
 */
import { BusSigner, signingKeyOf } from '@hearth/contracts';
import { jetstream } from '@nats-io/jetstream';
import { PlatformEnv } from '@hearth/platform/config';
import { createLogger } from '@hearth/platform/logging';
import { connectNats } from '@hearth/platform/nats';
import { OutboxRelay } from '@hearth/platform/outbox';
import { FastPath, openDatabase } from '@hearth/platform/postgres';

const env = PlatformEnv.parse(process.env);
const dataSource = await openDatabase(env, {
  database: process.env.RELAY_DATABASE ?? '',
  migrations: [],
  applicationName: 'relay-fixture',
});
const nc = await connectNats(env.NATS_URL, 'relay-fixture');
const signer = new BusSigner('vault', signingKeyOf(process.env.RELAY_SIGNING_KEY ?? '', 'RELAY_SIGNING_KEY'));
const relay = new OutboxRelay(
  new FastPath(dataSource),
  jetstream(nc),
  signer,
  createLogger({ service: 'relay-fixture' }),
  {
    batchSize: 50,
    ...(process.env.RELAY_POLL_MS ? { pollMs: Number(process.env.RELAY_POLL_MS) } : {}),
  },
);
await relay.start();
