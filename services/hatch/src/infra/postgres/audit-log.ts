import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { poolOf } from '@hearth/platform/postgres';
import type { AuditCheckpoint, AuditOutcome, AuditRecord, AuditRecordPage, AuditRecordQuery } from '@hearth/contracts';
import { EMPTY_CHAIN, type ChainHead } from '@hearth/audit-chain';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

interface RecordRow {
  seq: string;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  recorded_at: Date;
  source: string;
  action: string;
  actor: string;
  subject_path: string | null;
  workspace_slug: string | null;
  outcome: AuditOutcome | null;
  trace_id: string | null;
  correlation_id: string;
  causation_id: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  seq: string;
  hash: string;
  at: Date;
  signature: string;
}

const COLUMNS = `seq, event_id, event_type, occurred_at, recorded_at, source, action, actor, subject_path,
  workspace_slug, outcome, trace_id, correlation_id, causation_id, data, prev_hash, hash`;

export function toRecord(row: RecordRow): AuditRecord {
  return {
    seq: Number(row.seq),
    event_id: row.event_id,
    event_type: row.event_type,
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
    source: row.source,
    action: row.action,
    actor: row.actor,
    subject_path: row.subject_path,
    workspace_slug: row.workspace_slug,
    outcome: row.outcome,
    trace_id: row.trace_id,
    correlation_id: row.correlation_id,
    causation_id: row.causation_id,
    data: row.data,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

function toCheckpoint(row: CheckpointRow): AuditCheckpoint {
  return { seq: Number(row.seq), hash: row.hash, at: row.at.toISOString(), signature: row.signature };
}

/** A search, bounded above by `throughSeq` when an export or a tail pins the head it started from. */
export type RecordSearch = AuditRecordQuery & { throughSeq?: number };

/**
 * The `audit_log` and `checkpoints` tables. Appends run in the ingest's transaction; reads go
 * straight to the pool. Nothing here updates or deletes: the tables refuse it anyway.
 */
export class AuditLogTable {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async head(tx: Transaction): Promise<ChainHead> {
    const rows: Array<{ seq: string; hash: string }> = await managerOf(tx).query(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : EMPTY_CHAIN;
  }

  /** Which of these event ids the log already holds. */
  async recordedEvents(tx: Transaction, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: Array<{ event_id: string }> = await managerOf(tx).query(
      'SELECT event_id FROM audit_log WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /** Appends records in one statement; their seq continue the head the caller read in this transaction. */
  async append(tx: Transaction, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const column = <K extends keyof AuditRecord>(key: K) => records.map((r) => r[key]);
    await managerOf(tx).query(
      `INSERT INTO audit_log (${COLUMNS})
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[],
         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
         $14::text[], $15::jsonb[], $16::text[], $17::text[])`,
      [
        column('seq'),
        column('event_id'),
        column('event_type'),
        column('occurred_at'),
        column('recorded_at'),
        column('source'),
        column('action'),
        column('actor'),
        column('subject_path'),
        column('workspace_slug'),
        column('outcome'),
        column('trace_id'),
        column('correlation_id'),
        column('causation_id'),
        records.map((r) => JSON.stringify(r.data)),
        column('prev_hash'),
        column('hash'),
      ],
    );
  }

  /** Adds a checkpoint unless one exists at that seq already (the timer and an append can race). */
  async addCheckpoint(tx: Transaction, c: AuditCheckpoint): Promise<boolean> {
    const rows: unknown[] = await managerOf(tx).query(
      `INSERT INTO checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4)
       ON CONFLICT (seq) DO NOTHING RETURNING 1`,
      [c.seq, c.hash, c.at, c.signature],
    );
    return rows.length > 0;
  }

  async committedHead(): Promise<ChainHead> {
    const { rows } = await this.pool.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : EMPTY_CHAIN;
  }

  async headSeq(): Promise<number> {
    return (await this.committedHead()).seq;
  }

  async lastCheckpoint(): Promise<AuditCheckpoint | null> {
    const { rows } = await this.pool.query<CheckpointRow>(
      'SELECT seq, hash, at, signature FROM checkpoints ORDER BY seq DESC LIMIT 1',
    );
    return rows[0] ? toCheckpoint(rows[0]) : null;
  }

  async checkpointsThrough(seq: number): Promise<AuditCheckpoint[]> {
    return this.checkpointsBetween(0, seq);
  }

  async checkpointsBetween(fromSeq: number, throughSeq: number): Promise<AuditCheckpoint[]> {
    const { rows } = await this.pool.query<CheckpointRow>(
      'SELECT seq, hash, at, signature FROM checkpoints WHERE seq BETWEEN $1 AND $2 ORDER BY seq',
      [fromSeq, throughSeq],
    );
    return rows.map(toCheckpoint);
  }

  /**
   * A page of records by seq. The head is read first and bounds the page: every seq up to it has
   * committed (seq order is commit order), so a tail that continues after `head_seq` skips nothing.
   */
  async search(query: RecordSearch): Promise<AuditRecordPage> {
    const head = query.throughSeq ?? (await this.headSeq());
    const { rows } = await this.pool.query<RecordRow>(searchStatement(query, head));
    const items = rows.slice(0, query.limit).map(toRecord);
    const more = rows.length > query.limit;
    return { items, next_cursor: more ? (items.at(-1)?.seq ?? null) : null, head_seq: head };
  }
}

/** The statement `search` runs for `query` up to `head`: one more row than the limit, to tell if more follow. */
export function searchStatement(query: AuditRecordQuery, head: number): pg.QueryConfig {
  const values: unknown[] = [head];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where = ['seq <= $1'];
  if (query.actor !== undefined) where.push(`actor = ${param(query.actor)}`);
  // starts_with takes the prefix literally (no LIKE wildcards to escape) and, from Postgres 15 on,
  // reads audit_log_path (text_pattern_ops) as a range: audit-log-search.int.spec.ts shows the plan.
  if (query.path_prefix !== undefined) where.push(`starts_with(subject_path, ${param(query.path_prefix)})`);
  if (query.workspace !== undefined) where.push(`workspace_slug = ${param(query.workspace)}`);
  if (query.source !== undefined) where.push(`source = ${param(query.source)}`);
  if (query.action !== undefined) where.push(`action = ${param(query.action)}`);
  if (query.outcome !== undefined) where.push(`outcome = ${param(query.outcome)}`);
  if (query.from !== undefined) where.push(`occurred_at >= ${param(query.from)}::timestamptz`);
  if (query.to !== undefined) where.push(`occurred_at < ${param(query.to)}::timestamptz`);
  if (query.after_seq !== undefined) where.push(`seq > ${param(query.after_seq)}`);
  if (query.before_seq !== undefined) where.push(`seq < ${param(query.before_seq)}`);
  const direction = query.order === 'desc' ? 'DESC' : 'ASC';
  return {
    text: `SELECT ${COLUMNS} FROM audit_log WHERE ${where.join(' AND ')}
       ORDER BY seq ${direction} LIMIT ${param(query.limit + 1)}`,
    values,
  };
}
