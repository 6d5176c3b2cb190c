import { HatchStream } from '@hearth/contracts';
import { ConsoleOperatorDirectory, OperatorTokens } from '@hearth/platform/operators';
import { poolOf, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { type ServiceRuntime } from '@hearth/platform/runtime';
import { AuditorAccess } from './app/auditor-access/auditor-access.js';
import { ExportLog } from './app/export-log/export-log.js';
import { noMetrics, type AuditMetrics, type CheckpointSigner } from './app/ports.js';
import { type Clock, type Ids } from '@hearth/platform/ports';
import { randomIds, systemClock } from '@hearth/platform/runtime';
import { RecordAuditEvents } from './app/record-events/record-events.js';
import { SearchRecords } from './app/search-records/search-records.js';
import { SignCheckpoint } from './app/sign-checkpoint/sign-checkpoint.js';
import { AuditorTail } from './app/tail-records/auditor-tail.js';
import { TailRecords } from './app/tail-records/tail-records.js';
import type { HatchConfig } from './config.js';
import { AuditLogTable } from './infra/postgres/audit-log.js';
import { IngestLedger } from './infra/postgres/ingest-ledger.js';
import { ParkedEvents } from './infra/postgres/parked-events.js';
import { RecordFeed } from './infra/postgres/record-feed.js';
import { AuditIngest } from './transport/jetstream/audit-ingest.js';

/** hatch's name in the processed_messages ledger. */
export const INGEST_CONSUMER = 'hatch';
/** With no token cache, an open tail still asks the console only once a second. */
const MIN_RECHECK_MS = 1_000;

export type HatchSettings = Pick<
  HatchConfig,
  'HATCH_CHECKPOINT_EVERY' | 'HATCH_INGEST_BATCH' | 'HATCH_READER_ROLES' | 'HATCH_TOKEN_CACHE_SECONDS'
>;

export interface HatchDependencies {
  signer: CheckpointSigner;
  clock?: Clock;
  ids?: Ids;
  metrics?: AuditMetrics;
  /** How often live tails look for new records when no notification came (default 1 s). */
  feedPollMs?: number;
}

/** Every use case of hatch, built once from the runtime's connections. */
export function composeHatch(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'nc' | 'js' | 'jsm' | 'logger'>,
  settings: HatchSettings,
  { signer, clock = systemClock, ids = randomIds, metrics = noMetrics, feedPollMs }: HatchDependencies,
) {
  const { dataSource, logger } = runtime;
  const uow = new TypeOrmUnitOfWork(dataSource);
  const log = new AuditLogTable(dataSource);
  const ledger = new IngestLedger(INGEST_CONSUMER);
  const feed = new RecordFeed(poolOf(dataSource), logger, feedPollMs);
  const recordAuditEvents = new RecordAuditEvents(ledger, log, new ParkedEvents(), signer, clock, ids, {
    stream: HatchStream.name,
    checkpointEvery: settings.HATCH_CHECKPOINT_EVERY,
  });
  const signCheckpoint = new SignCheckpoint(uow, log, signer, clock, logger);
  const tokenCacheMs = settings.HATCH_TOKEN_CACHE_SECONDS * 1000;
  const access = new AuditorAccess(
    new OperatorTokens(new ConsoleOperatorDirectory(runtime.nc), tokenCacheMs, () => clock.now().getTime()),
    settings.HATCH_READER_ROLES,
  );
  const tailRecords = new TailRecords(log, feed);
  return {
    log,
    feed,
    signer,
    recordAuditEvents,
    ingest: new AuditIngest(uow, runtime.js, runtime.jsm, ledger, recordAuditEvents, metrics, logger, {
      batchSize: settings.HATCH_INGEST_BATCH,
    }),
    signCheckpoint,
    searchRecords: new SearchRecords(log),
    tailRecords,
    // An open tail asks about its token as often as a cached answer expires (and at least every second).
    auditorTail: new AuditorTail(tailRecords, access, clock, Math.max(tokenCacheMs, MIN_RECHECK_MS)),
    exportLog: new ExportLog(log, signCheckpoint, signer, clock),
    access,
  };
}
export type Hatch = ReturnType<typeof composeHatch>;
