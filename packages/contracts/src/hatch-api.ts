import { z } from 'zod';
import { AuditOutcome } from './audit.js';
import { Slug } from './slug.js';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { message: 'a SHA-256 in lowercase hex' });
const Seq = z.coerce.number().int().positive();

/**
 * Who emitted a record, as hatch checked it: the emitting service's signature over the envelope as it
 * came (with the subject, the message id and the per-source sequence it was signed with), so
 * `hearth audit verify` proves the emitter again offline, against the pinned service keys.
 */
export const AuditOrigin = z
  .object({
    service: z.string().min(1),
    message_id: z.string().min(1),
    source_seq: z.string().nullable(),
    signature: z.string().min(1),
    envelope: z.record(z.string(), z.unknown()),
  })
  .strict();
export type AuditOrigin = z.infer<typeof AuditOrigin>;

/**
 * One entry of hatch's audit log, as stored, served and exported. `hash` is the SHA-256 (hex) of the
 * canonical JSON of every other field, `prev_hash` included, so each record seals the one before it.
 */
export const AuditRecord = z
  .object({
    seq: z.number().int().positive(),
    event_id: z.uuid(),
    event_type: z.string().min(1),
    occurred_at: z.iso.datetime(),
    recorded_at: z.iso.datetime(),
    /** From the subject `hatch.<source>.<action>`. */
    source: z.string().min(1),
    action: z.string().min(1),
    actor: z.string().min(1),
    subject_path: z.string().nullable(),
    workspace_slug: z.string().nullable(),
    outcome: AuditOutcome.nullable(),
    trace_id: z.string().nullable(),
    correlation_id: z.string().min(1),
    causation_id: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    /** Null only in records hatch made before it checked signatures. */
    origin: AuditOrigin.nullable().default(null),
    prev_hash: Sha256Hex,
    hash: Sha256Hex,
  })
  .strict();
export type AuditRecord = z.infer<typeof AuditRecord>;

/** A signed statement that the log's record `seq` had `hash` at time `at` (ed25519, base64). */
export const AuditCheckpoint = z
  .object({
    seq: z.number().int().positive(),
    hash: Sha256Hex,
    at: z.iso.datetime(),
    signature: z.string().min(1),
  })
  .strict();
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

/** What an auditor can filter on; the same fields for a search and for the live tail. */
const AuditFilterFields = {
  actor: z.string().min(1).max(256).optional(),
  /** Records whose subject_path starts with this. */
  path_prefix: z.string().min(1).max(1024).optional(),
  workspace: Slug.optional(),
  /** Records about this database user (a lease's events name it): who had it, and when. */
  username: z.string().min(1).max(63).optional(),
  source: z.string().min(1).max(64).optional(),
  action: z.string().min(1).max(128).optional(),
  outcome: AuditOutcome.optional(),
  /** occurred_at >= from */
  from: z.iso.datetime({ offset: true }).optional(),
  /** occurred_at < to */
  to: z.iso.datetime({ offset: true }).optional(),
};
export const AuditFilter = z.object(AuditFilterFields).strict();
export type AuditFilter = z.infer<typeof AuditFilter>;

/**
 * `GET /v1/audit/records` and `audit.records.query`: paged by seq. Ascending pages continue with
 * `after_seq = next_cursor`; descending pages (newest first) with `before_seq = next_cursor`.
 */
export const AuditRecordQuery = z
  .object({
    ...AuditFilterFields,
    after_seq: z.coerce.number().int().nonnegative().optional(),
    before_seq: Seq.optional(),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type AuditRecordQuery = z.infer<typeof AuditRecordQuery>;

export const AuditRecordPage = z
  .object({
    items: z.array(AuditRecord),
    next_cursor: z.number().int().nullable(),
    /** The last seq of the log when the page was read: a tail started after it misses nothing. */
    head_seq: z.number().int().nonnegative(),
  })
  .strict();
export type AuditRecordPage = z.infer<typeof AuditRecordPage>;

/**
 * `GET /v1/audit/tail` (Server-Sent Events, one `record` event per line of the log, `id` = seq):
 * the history from `since_seq` (inclusive) and then live. Without `since_seq` (nor `Last-Event-ID`,
 * which resumes after the given seq), only what is recorded from now on.
 */
export const AuditTailQuery = z.object({ ...AuditFilterFields, since_seq: Seq.optional() }).strict();
export type AuditTailQuery = z.infer<typeof AuditTailQuery>;

/**
 * `GET /v1/audit/export` is JSON Lines: first the header (hatch's public key), then every record by
 * seq, then the checkpoints. `hearth audit verify --file` checks such a file offline.
 */
export const AuditExportHeader = z
  .object({
    kind: z.literal('hatch-export'),
    version: z.literal(1),
    algorithm: z.literal('ed25519'),
    public_key: z.string().min(1),
    exported_at: z.iso.datetime(),
    head_seq: z.number().int().nonnegative(),
  })
  .strict();
export type AuditExportHeader = z.infer<typeof AuditExportHeader>;

export const AuditExportLine = z.discriminatedUnion('kind', [
  AuditExportHeader,
  z.object({ kind: z.literal('record'), record: AuditRecord }).strict(),
  z.object({ kind: z.literal('checkpoint'), checkpoint: AuditCheckpoint }).strict(),
]);
export type AuditExportLine = z.infer<typeof AuditExportLine>;

/**
 * `GET /v1/audit/verification`: hatch's own check of its chain, carried on from where the last check
 * stopped. `ok` false names the first `problem` found; `verified_through_seq` is where the chain still
 * held (records after it are not vouched for), `head_seq` the log's last record when it was checked.
 */
export const AuditVerification = z
  .object({
    head_seq: z.number().int().nonnegative(),
    verified_through_seq: z.number().int().nonnegative(),
    ok: z.boolean(),
    problem: z.string().nullable(),
    last_checkpoint: AuditCheckpoint.nullable(),
    checked_at: z.iso.datetime(),
  })
  .strict();
export type AuditVerification = z.infer<typeof AuditVerification>;
