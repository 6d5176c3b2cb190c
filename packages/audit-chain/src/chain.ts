import type { AuditRecord } from '@hearth/contracts';
import { createHash } from 'node:crypto';
import { canonicalJson } from '@hearth/contracts';

/** The `prev_hash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where the chain ends: the last record's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const EMPTY_CHAIN: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** What an event contributes to its record; the chain adds seq, prev_hash and hash (and a null origin if it has none). */
export type RecordFields = Omit<AuditRecord, 'seq' | 'prev_hash' | 'hash' | 'origin'> & {
  origin?: AuditRecord['origin'];
};

/**
 * SHA-256 (hex) over the canonical JSON of every field but `hash`. The fields are picked by name,
 * so a row read back with extra columns hashes the same, and a field added to the record later
 * cannot slip in unhashed without this function (and so every verifier) knowing of it. The origin
 * is sealed whenever a record has one; records made before hatch kept origins hash as they always did.
 */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const sealed: Omit<AuditRecord, 'hash' | 'origin'> & Partial<Pick<AuditRecord, 'origin'>> = {
    seq: record.seq,
    event_id: record.event_id,
    event_type: record.event_type,
    occurred_at: record.occurred_at,
    recorded_at: record.recorded_at,
    source: record.source,
    action: record.action,
    actor: record.actor,
    subject_path: record.subject_path,
    workspace_slug: record.workspace_slug,
    outcome: record.outcome,
    trace_id: record.trace_id,
    correlation_id: record.correlation_id,
    causation_id: record.causation_id,
    data: record.data,
    ...(record.origin ? { origin: record.origin } : {}),
    prev_hash: record.prev_hash,
  };
  return createHash('sha256').update(canonicalJson(sealed), 'utf8').digest('hex');
}

/** The record that follows `head`. */
export function chainRecord(head: ChainHead, fields: RecordFields): AuditRecord {
  const unsealed = { ...fields, origin: fields.origin ?? null, seq: head.seq + 1, prev_hash: head.hash };
  return { ...unsealed, hash: hashRecord(unsealed) };
}
