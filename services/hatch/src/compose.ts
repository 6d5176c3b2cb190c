import { HatchStream, type BusVerifier } from '@hearth/contracts';
import { ConsoleOperatorDirectory, ConsoleTokenCache } from '@hearth/platform/operators';
import type { Clock, Ids } from '@hearth/platform/ports';
import { FastPath, SessionLock, TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import type { ServiceRuntime } from '@hearth/platform/runtime';
import { AuditorAccess } from './app/auditor-access/auditor-access.js';
import { ExportLog } from './app/export-log/export-log.js';
import type { AuditMetrics, CheckpointSigner } from './app/ports.js';
import { RecordAuditEvents } from './app/record-events/record-events.js';
import { ListParkedEvents } from './app/list-parked-events/list-parked-events.js';
import { SearchRecords } from './app/search-records/search-records.js';
import { SignCheckpoint } from './app/sign-checkpoint/sign-checkpoint.js';
import { AuditorTail } from './app/tail-records/auditor-tail.js';
import { TailRecords } from './app/tail-records/tail-records.js';
import { VerifyChain } from './app/verify-chain/verify-chain.js';
import { AuditIngest } from './app/workers/audit-ingest.js';
import { CheckpointTimer } from './app/workers/checkpoint-timer.js';
import { SequenceWatch } from './app/workers/sequence-watch.js';
import { WatchSequences } from './app/watch-sequences/watch-sequences.js';
import type { HatchConfig } from './config.js';
import { NatsAuditEmitters } from './infra/nats/audit-emitters.js';
import { JetStreamAuditStream } from './infra/nats/jetstream-audit-stream.js';
import { AuditLogTable } from './infra/postgres/audit-log.js';
import { CheckpointTable } from './infra/postgres/checkpoints.js';
import { IngestLedgerTables } from './infra/postgres/ingest-ledger.js';
import { ParkedEventTable } from './infra/postgres/parked-events.js';
import { NotifiedRecordFeed } from './infra/postgres/record-feed.js';
import { SourceSequenceTables } from './infra/postgres/source-sequences.js';

/** hatch's name in the processed_messages ledger. */
const INGEST_CONSUMER = 'hatch';
/** How often a standby hatch asks for the ingest's turn: how long a dead ingester's turn waits at most. */
const INGEST_TAKEOVER_MS = 500;
/** With no token cache, an open tail still asks the console only once a second. */
const MIN_RECHECK_MS = 1_000;

type HatchSettings = Pick<
  HatchConfig,
  | 'HATCH_AUDIT_SOURCES'
  | 'HATCH_CHECKPOINT_EVERY'
  | 'HATCH_CHECKPOINT_SECONDS'
  | 'HATCH_INGEST_BATCH'
  | 'HATCH_READER_ROLES'
  | 'HATCH_TOKEN_CACHE_SECONDS'
>;

export interface HatchDependencies {
  signer: CheckpointSigner;
  clock: Clock;
  ids: Ids;
  metrics: AuditMetrics;
  /** Checks every audit event's signature, and the console's answers about tokens, against the pinned service keys. */
  verifier: BusVerifier;
  /** How often live tails look for new records when no notification came (default 1 s). */
  feedPollMs?: number | undefined;
}

/** hatch's one composition root: every adapter, use case and worker, built once from the runtime's connections. */
export function composeHatch(
  runtime: Pick<ServiceRuntime, 'dataSource' | 'nc' | 'js' | 'jsm' | 'logger'>,
  settings: HatchSettings,
  { signer, clock, ids, metrics, verifier, feedPollMs }: HatchDependencies,
) {
  const { dataSource, logger } = runtime;
  const unitOfWork = new TypeOrmUnitOfWork(dataSource);
  const fastPath = new FastPath(dataSource);
  const log = new AuditLogTable(dataSource, fastPath);
  const checkpoints = new CheckpointTable(dataSource);
  const ledger = new IngestLedgerTables(dataSource, INGEST_CONSUMER);
  const feed = new NotifiedRecordFeed(fastPath, logger, feedPollMs);
  const sequences = new SourceSequenceTables();
  const stream = new JetStreamAuditStream(runtime.js, runtime.jsm, logger);

  const parkedEvents = new ParkedEventTable(dataSource, INGEST_CONSUMER);
  const recordAuditEvents = new RecordAuditEvents(
    ledger,
    log,
    checkpoints,
    parkedEvents,
    sequences,
    signer,
    clock,
    ids,
    verifier,
    {
      stream: HatchStream.name,
      checkpointEvery: settings.HATCH_CHECKPOINT_EVERY,
      sources: settings.HATCH_AUDIT_SOURCES,
    },
  );
  const signCheckpoint = new SignCheckpoint(unitOfWork, log, checkpoints, signer, clock);
  const tokenCacheMs = settings.HATCH_TOKEN_CACHE_SECONDS * 1000;
  const auditorAccess = new AuditorAccess(
    new ConsoleTokenCache(new ConsoleOperatorDirectory(runtime.nc, verifier), tokenCacheMs, () =>
      clock.now().getTime(),
    ),
    settings.HATCH_READER_ROLES,
  );
  const tailRecords = new TailRecords(log, feed);
  const useCases = {
    recordAuditEvents,
    signCheckpoint,
    searchRecords: new SearchRecords(log),
    listParkedEvents: new ListParkedEvents(parkedEvents),
    tailRecords,
    // An open tail asks about its token as often as a cached answer expires (and at least every second).
    auditorTail: new AuditorTail(tailRecords, auditorAccess, clock, Math.max(tokenCacheMs, MIN_RECHECK_MS)),
    exportLog: new ExportLog(log, checkpoints, signCheckpoint, signer, clock),
    verifyChain: new VerifyChain(log, checkpoints, signer, clock),
    auditorAccess,
  };
  const workers = {
    /** Live tails wait on it. */
    feed,
    ingest: new AuditIngest(
      unitOfWork,
      stream,
      ledger,
      recordAuditEvents,
      metrics,
      logger,
      settings.HATCH_INGEST_BATCH,
      new SessionLock(fastPath, 'hearth.hatch-ingest', INGEST_TAKEOVER_MS),
    ),
    checkpointTimer: new CheckpointTimer(signCheckpoint, logger, settings.HATCH_CHECKPOINT_SECONDS * 1000),
    sequenceWatch: new SequenceWatch(
      new WatchSequences(
        unitOfWork,
        new NatsAuditEmitters(runtime.nc, verifier),
        stream,
        ledger,
        sequences,
        log,
        metrics,
        clock,
        ids,
        logger,
        settings.HATCH_AUDIT_SOURCES,
      ),
      logger,
      settings.HATCH_CHECKPOINT_SECONDS * 1000,
    ),
  };
  return { useCases, workers, log, checkpoints, signer };
}
export type Hatch = ReturnType<typeof composeHatch>;
