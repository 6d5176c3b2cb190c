import type { ChainHead } from '@hearth/audit-chain';
import type { SourceSequence } from '../domain/sequence/source-sequence.js';
import {
  ErrorCode,
  HearthError,
  type AuditCheckpoint,
  type AuditRecord,
  type AuditRecordPage,
  type AuditRecordQuery,
  type ParkedMessage,
} from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { extractTraceContext } from '@hearth/platform/telemetry';

/** hatch's ed25519 key; the private half never leaves the signer. */
export interface CheckpointSigner {
  sign(head: ChainHead, at: string): AuditCheckpoint;
  readonly publicKeyPem: string;
}

/**
 * What hatch counts as it goes. Checkpoints are not counted here: their age is read from the
 * database, whoever signed them.
 */
export interface AuditMetrics {
  recorded(count: number): void;
  parked(): void;
  /** Gaps detected in a source's numbering. */
  gaps(count: number): void;
}

/** The chain as the appending transaction sees it; the ingest position's row lock keeps its head still. */
export interface AuditLogAppender {
  head(tx: Transaction): Promise<ChainHead>;
  /** Which of these event ids the log already holds. */
  recordedEvents(tx: Transaction, eventIds: readonly string[]): Promise<Set<string>>;
  /** Appends records whose seq continue the head read in this transaction. */
  append(tx: Transaction, records: readonly AuditRecord[]): Promise<void>;
}

/** A search, bounded above by `throughSeq` when an export or a tail pins the head it started from. */
export type RecordSearch = AuditRecordQuery & { throughSeq?: number };

/** The committed log, as readers see it. */
export interface AuditLogReader {
  committedHead(): Promise<ChainHead>;
  headSeq(): Promise<number>;
  /** A page by seq, bounded by the head read first: every seq up to it has committed. */
  search(query: RecordSearch): Promise<AuditRecordPage>;
}

export interface CheckpointStore {
  /** Adds a checkpoint unless one exists at that seq already (the timer and an append can race). */
  add(tx: Transaction, checkpoint: AuditCheckpoint): Promise<boolean>;
  last(): Promise<AuditCheckpoint | null>;
  between(fromSeq: number, throughSeq: number): Promise<AuditCheckpoint[]>;
}

/** Another ingester moved the position since this one read it: its batch is stale and must not land. */
export class StaleIngestError extends HearthError {
  constructor(stream: string, expected: number) {
    super(ErrorCode.VersionConflict, `the ${stream} ingest position is no longer ${expected}`);
  }
}

/**
 * Which hatch ingests: one at a time among replicas, the others standing by to take over. The chain
 * stays right without it (the position's compare-and-set refuses a second appender's batch); it
 * spares the standby reading and verifying every event only to be refused.
 */
export interface IngestTurn {
  /** Resolves once this hatch has the turn (at once if it has it); `lost` runs if it loses it then. */
  acquire(signal: AbortSignal, lost: () => void): Promise<void>;
  release(): Promise<void>;
}

/** Where the ingest is in the HATCH stream, and which message ids took effect. */
export interface IngestLedger {
  /** The stream sequence of the last message that took effect. */
  position(stream: string): Promise<number>;
  /**
   * Moves the position from `from` to `to`, or throws StaleIngestError if it is not at `from`. The
   * row stays locked until commit: appenders take turns, and the log's seq order is commit order.
   */
  advance(tx: Transaction, stream: string, from: number, to: number): Promise<void>;
  /** Takes the position's row lock, wherever it is: for a change to the log that moves no position. */
  lock(tx: Transaction, stream: string): Promise<void>;
  /** Enters the message ids in the ledger; returns those that were not there yet. */
  claim(tx: Transaction, messageIds: readonly string[]): Promise<Set<string>>;
}

/** A message of the HATCH stream that did not become a record, with the reason. */
export interface ParkedEvent {
  id: string;
  messageId: string;
  subject: string;
  reason: string;
  /** Kept only when it carries nothing secret-looking and Postgres can store it. */
  body: unknown;
}

export interface ParkingLot {
  park(tx: Transaction, events: readonly ParkedEvent[]): Promise<void>;
}

/** The parked events, newest first, as every service lists what it parked. */
export interface ParkedEventReader {
  latest(): Promise<ParkedMessage[]>;
}

/** Wakes whoever waits for the log's committed head to move: live tails. */
export interface RecordFeed {
  /** True once the head is past `seq`; false when `signal` aborts, `timeoutMs` passes or the feed stops first. */
  waitBeyond(seq: number, signal: AbortSignal, timeoutMs: number): Promise<boolean>;
}

/** One message of the HATCH stream, as it was delivered. */
export interface HatchMessage {
  /** The Nats-Msg-Id (the event id, by convention), else `Hearth-Msg-Id` (an emitter's replay), else `HATCH:<stream seq>`. */
  id: string;
  subject: string;
  streamSeq: number;
  /** The payload as text; whether it is JSON at all is for RecordAuditEvents to find out. */
  text: string;
  /** Its headers ('' for one it lacks): the emitter's origin, signature and per-source sequence among them. */
  headers: { get(key: string): string };
  /** The emitter's number for it, from its headers, when it carries one. */
  origin?: SourceNumber;
}

/** An audit event's number in its source's sequence. */
export interface SourceNumber {
  source: string;
  seq: number;
}

/** What hatch knows of each source's numbering; read and written in the appending transaction. */
export interface SourceSequenceStore {
  load(tx: Transaction, sources: readonly string[]): Promise<Map<string, SourceSequence>>;
  save(tx: Transaction, source: string, sequence: SourceSequence): Promise<void>;
}

/** The emitters of audit events, asked over the bus about what they numbered. */
export interface AuditEmitters {
  /** The last number `source` gave. */
  head(source: string): Promise<number>;
  /** Asks `source` to publish `from..to` again; returns the ranges it no longer holds. */
  replay(source: string, from: number, to: number): Promise<Array<{ from: number; to: number }>>;
}

/** Consecutive messages, and the trace their first one continues. */
export interface HatchBatch {
  messages: HatchMessage[];
  trace: ReturnType<typeof extractTraceContext>;
}

/** The HATCH stream, read in order. */
export interface AuditStream {
  /** The sequence of its last message. */
  lastSeq(): Promise<number>;
  /** Whether any message is left after `position` (deleted ones are not, though the stream's last seq still counts them). */
  holdsAfter(position: number): Promise<boolean>;
  /** Reads on from right after `position`, in stream order, without gaps. */
  follow(position: number, batchSize: number): Promise<StreamReading>;
}

export interface StreamReading {
  /** The next message (waiting for it) and whatever has already arrived behind it; empty once it ends. */
  nextBatch(): Promise<HatchBatch | null>;
  stop(): void;
}
