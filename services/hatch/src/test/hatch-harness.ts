import { PlatformEnv } from '@hearth/platform/config';
import { startRuntime, type ServiceRuntime } from '@hearth/platform/runtime';
import { createTestDatabase, startNats, type TestDatabase, type TestNats } from '@hearth/testkit';
import type { PubAck } from '@nats-io/jetstream';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditMetrics } from '../app/ports.js';
import type { Clock } from '@hearth/platform/ports';
import { composeHatch, type Hatch, type HatchSettings } from '../compose.js';
import { Ed25519Signer } from '../infra/crypto/ed25519-signer.js';
import { hatchStreamSpec } from '../infra/nats/hatch-stream.js';
import { hatchMigrations } from '../infra/postgres/migrations.js';
import { SECRET_READ_SUBJECT } from './audit-events.js';

export interface HatchHarness {
  hatch: Hatch;
  runtime: ServiceRuntime;
  nats: TestNats;
  db: TestDatabase;
  publicKey: KeyObject;
  /** Publishes to the HATCH stream as an outbox relay would: Nats-Msg-Id = event id unless told otherwise. */
  publish(body: unknown, options?: { subject?: string; msgID?: string | null }): Promise<PubAck>;
  /** Waits until the log holds `count` records (or fails after `timeoutMs`). */
  recorded(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  duplicateWindowSeconds?: number;
  checkpointEvery?: number;
  batchSize?: number;
  clock?: Clock;
  metrics?: AuditMetrics;
}

/** hatch's use cases over a real database and a nats-server of the test's own. Nothing started yet. */
export async function startHatchHarness(options: HarnessOptions = {}): Promise<HatchHarness> {
  const nats = await startNats();
  const db = await createTestDatabase('hearth_hatch');
  const runtime = await startRuntime({
    service: 'hatch',
    env: PlatformEnv.parse({ ...process.env, NATS_URL: nats.url, LOG_LEVEL: 'silent' }),
    database: db.name,
    migrations: hatchMigrations,
    streams: [
      hatchStreamSpec({
        HATCH_STREAM_MAX_AGE_SECONDS: 3600,
        HATCH_STREAM_DUPLICATE_WINDOW_SECONDS: options.duplicateWindowSeconds ?? 120,
      }),
    ],
  });
  const key = generateKeyPairSync('ed25519');
  const settings: HatchSettings = {
    HATCH_CHECKPOINT_EVERY: options.checkpointEvery ?? 10,
    HATCH_INGEST_BATCH: options.batchSize ?? 256,
    HATCH_READER_ROLES: ['admin', 'auditor'],
    HATCH_TOKEN_CACHE_SECONDS: 30,
  };
  // Tails poll rarely here, so a test that sees one wake promptly has seen a NOTIFY do it.
  const hatch = composeHatch(runtime, settings, {
    signer: new Ed25519Signer(key.privateKey),
    feedPollMs: 30_000,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const count = async () => {
    const rows: Array<{ n: number }> = await runtime.dataSource.query('SELECT count(*)::int AS n FROM audit_log');
    return rows[0]!.n;
  };
  return {
    hatch,
    runtime,
    nats,
    db,
    publicKey: key.publicKey,
    publish: (body, { subject = SECRET_READ_SUBJECT, msgID } = {}) => {
      const id = msgID === undefined ? (body as { id?: string }).id : msgID;
      return runtime.js.publish(subject, JSON.stringify(body), id ? { msgID: id } : {});
    },
    recorded: async (n, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      let seen = await count();
      while (seen < n) {
        if (Date.now() > deadline) throw new Error(`the log holds ${seen} records, not ${n}`);
        await sleep(50);
        seen = await count();
      }
    },
    close: async () => {
      await hatch.signCheckpoint.stop();
      await hatch.ingest.stop();
      await hatch.feed.stop();
      await runtime.shutdown();
      await db.drop();
      await nats.stop();
    },
  };
}
