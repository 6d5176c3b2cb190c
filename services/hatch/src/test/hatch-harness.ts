import type { UnitOfWork } from '@hearth/platform/ports';
import type { ServiceRuntime } from '@hearth/platform/runtime';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import {
  createTestDatabase,
  freePort,
  publishSigned,
  sharedServiceKeys,
  startNats,
  until,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import type { PubAck } from '@nats-io/jetstream';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { RecordedBatch } from '../app/record-events/record-events.js';
import type { Hatch } from '../compose.js';
import { loadHatchConfig, type HatchConfig } from '../config.js';
import { startHatch, type HatchOverrides, type HatchService } from '../hatch.app.js';
import { AuditLogEntity } from '../infra/postgres/entities.js';
import { SECRET_READ_SUBJECT } from '@hearth/testkit';
import type { ServiceName } from '@hearth/contracts';

/** The headers the vault's relay would send `body` with, as a HatchMessage carries them. */
export function signedHeaders(subject: string, messageId: string, body: unknown, signer: ServiceName = 'vault') {
  const signed = sharedServiceKeys()
    .signer(signer)
    .signMessage(subject, messageId, body, { get: () => '' });
  return { get: (key: string) => signed[key] ?? '' };
}

export interface HatchHarness {
  hatch: Hatch;
  runtime: ServiceRuntime;
  /** hatch's own database, in one transaction, as the ingest appends. */
  unitOfWork: UnitOfWork;
  /** What it was started with: a second hatch started with it shares its database, stream and key. */
  config: HatchConfig;
  nats: TestNats;
  db: TestDatabase;
  publicKey: KeyObject;
  /**
   * Publishes to the HATCH stream as the vault's outbox relay would: Nats-Msg-Id = event id unless told
   * otherwise, signed with the shared vault key (or as `signer` says).
   */
  publish(
    body: unknown,
    options?: { subject?: string; msgID?: string | null; signer?: ServiceName | 'nobody' },
  ): Promise<PubAck>;
  /** Appends events through RecordAuditEvents in one transaction, as the ingest would, right after stream seq `from`. */
  append(bodies: readonly { id: string }[], from: number): Promise<RecordedBatch>;
  /** Records in the log now. */
  count(): Promise<number>;
  /** Waits until the log holds `count` records. */
  recorded(count: number): Promise<void>;
  /** Another hatch on the same database and stream, stopped by the caller. */
  startReplica(overrides?: HatchOverrides): Promise<HatchService>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Omit<HatchOverrides, 'startWorkers'> {
  duplicateWindowSeconds?: number;
  checkpointEvery?: number;
  batchSize?: number;
  tokenCacheSeconds?: number;
  /** Start the ingest and the checkpoint timer as main does (default: the test starts what it needs). */
  startWorkers?: boolean;
}

/** hatch as startHatch boots it, over a database and a nats-server of the test's own. */
export async function startHatchHarness(options: HarnessOptions = {}): Promise<HatchHarness> {
  const {
    duplicateWindowSeconds = 120,
    checkpointEvery = 10,
    batchSize = 256,
    tokenCacheSeconds = 30,
    startWorkers = false,
    ...overrides
  } = options;
  const nats = await startNats();
  const db = await createTestDatabase('hearth_hatch');
  const key = generateKeyPairSync('ed25519');
  const config = loadHatchConfig({
    ...process.env,
    NATS_URL: nats.url,
    LOG_LEVEL: 'silent',
    HATCH_DATABASE: db.name,
    HATCH_PORT: String(await freePort()),
    HATCH_SIGNING_KEY: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    HATCH_CHECKPOINT_EVERY: String(checkpointEvery),
    HATCH_INGEST_BATCH: String(batchSize),
    HATCH_STREAM_MAX_AGE_SECONDS: '3600',
    HATCH_STREAM_DUPLICATE_WINDOW_SECONDS: String(duplicateWindowSeconds),
    HATCH_TOKEN_CACHE_SECONDS: String(tokenCacheSeconds),
    HEARTH_SERVICE_KEYS: sharedServiceKeys().pinned,
  });
  // Tails poll rarely here, so a test that sees one wake promptly has seen a NOTIFY do it.
  const running = await startHatch(config, { feedPollMs: 30_000, startWorkers, ...overrides });
  const { hatch, runtime } = running;
  const unitOfWork = new TypeOrmUnitOfWork(runtime.dataSource);
  const count = () => runtime.dataSource.getRepository(AuditLogEntity).count();
  return {
    hatch,
    runtime,
    unitOfWork,
    config,
    nats,
    db,
    publicKey: key.publicKey,
    publish: (body, { subject = SECRET_READ_SUBJECT, msgID, signer = 'vault' } = {}) => {
      const id = msgID === undefined ? (body as { id?: string }).id : msgID;
      if (signer === 'nobody') return runtime.js.publish(subject, JSON.stringify(body), id ? { msgID: id } : {});
      return publishSigned(runtime.js, sharedServiceKeys().signer(signer), subject, body, id ? { msgID: id } : {});
    },
    append: (bodies, from) => {
      const messages = bodies.map((body, i) => ({
        id: body.id,
        subject: SECRET_READ_SUBJECT,
        streamSeq: from + i + 1,
        text: JSON.stringify(body),
        headers: signedHeaders(SECRET_READ_SUBJECT, body.id, body),
      }));
      return unitOfWork.run((tx) => hatch.useCases.recordAuditEvents.run(messages, from, tx));
    },
    count,
    recorded: (n) => until(async () => (await count()) >= n, { timeoutMs: 20_000, what: `the log holds ${n} records` }),
    startReplica: async (replicaOverrides = {}) =>
      startHatch(
        { ...config, HATCH_PORT: await freePort() },
        // It shares the process's telemetry, which the first one started and stops.
        { feedPollMs: 30_000, startWorkers: false, telemetry: { shutdown: async () => {} }, ...replicaOverrides },
      ),
    close: async () => {
      await running.stop();
      await db.drop();
      await nats.stop();
    },
  };
}
