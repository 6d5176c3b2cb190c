import { z } from 'zod';
import { boundedName, WIRE_LIMITS } from './bounds.js';
import { EventMetadata } from './envelope.js';

/**
 * HATCH: the audit stream. Every service publishes its auditable events to `hatch.<service>.<action>`
 * (say `hatch.vault.secret.read`) in the common envelope, with `Nats-Msg-Id` = event id; hatch
 * appends each to its hash chain once. An audit event never carries a secret value.
 */
export const HatchStream = { name: 'HATCH', subjects: ['hatch.>'] } as const;

/** INACTIVE: a deactivated credential was asked for; TIMEOUT: a credential's test got no answer in time. */
export const AuditOutcome = z.enum(['OK', 'DENIED', 'NOT_FOUND', 'EXPIRED', 'INACTIVE', 'FAILED', 'TIMEOUT']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export function auditSubject(service: string, action: string): string {
  return `hatch.${service}.${action}`;
}

/** `hatch.vault.secret.read` → `{ service: 'vault', action: 'secret.read' }`. */
export function parseAuditSubject(subject: string): { service: string; action: string } | null {
  const match = /^hatch\.([a-z0-9-]+)\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)$/.exec(subject);
  return match ? { service: match[1]!, action: match[2]! } : null;
}

/** What hatch indexes of an event's data; the rest is kept as it came. A path outside any workspace has a null slug. */
export const AuditData = z
  .object({
    path: boundedName(WIRE_LIMITS.path).optional(),
    workspace_slug: boundedName(WIRE_LIMITS.id).nullable().optional(),
    outcome: AuditOutcome.optional(),
  })
  .loose();

export const AuditEvent = z
  .object({
    id: z.uuid(),
    type: boundedName(WIRE_LIMITS.type),
    stream: boundedName(WIRE_LIMITS.id),
    version: z.number().int().nonnegative(),
    data: AuditData,
    metadata: EventMetadata,
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;

/** The most numbers one replay request may ask for: a bigger gap is asked for in turns. */
export const MAX_REPLAY_SPAN = 1_000;

/** An emitter's answers about its numbered audit events: `<source>.audit.head` and `<source>.audit.replay`. */
export function auditJournalSubjects(source: string) {
  return { head: `${source}.audit.head`, replay: `${source}.audit.replay` } as const;
}

const SourceSeq = z.number().int().positive();

/** The last number the emitter gave (0 before its first audit event). */
export const AuditHead = z.object({ head: z.number().int().nonnegative() }).strict();
export type AuditHead = z.infer<typeof AuditHead>;

/** `from..to` inclusive. */
export const SeqRange = z
  .object({ from: SourceSeq, to: SourceSeq })
  .strict()
  .refine((r) => r.from <= r.to && r.to - r.from < MAX_REPLAY_SPAN, {
    message: `from <= to, at most ${MAX_REPLAY_SPAN} numbers`,
  });
export type SeqRange = z.infer<typeof SeqRange>;

/** The emitter published again what it still holds of the range; `missing` it no longer holds. */
export const AuditReplayed = z
  .object({
    republished: z.number().int().nonnegative(),
    missing: z.array(z.object({ from: SourceSeq, to: SourceSeq }).strict()).max(MAX_REPLAY_SPAN),
  })
  .strict();
export type AuditReplayed = z.infer<typeof AuditReplayed>;

/**
 * hatch's own chain entries about a source's numbering, all of one gap sharing its correlation id
 * (the gap's id): detected (numbers that never arrived), unrecoverable (the emitter no longer holds
 * some of them) and filled (every number arrived since). A detected gap with no filled entry is open.
 */
export const AuditGapEvents = {
  detected: { type: 'AuditGapDetectedV1', action: 'gap.detected' },
  unrecoverable: { type: 'AuditGapUnrecoverableV1', action: 'gap.unrecoverable' },
  filled: { type: 'AuditGapFilledV1', action: 'gap.filled' },
} as const;
export type AuditGapEvent = keyof typeof AuditGapEvents;

/** The data of a gap entry: which source, which numbers. */
export const AuditGapData = z
  .object({ source: z.string().regex(/^[a-z0-9-]{1,64}$/), from: SourceSeq, to: SourceSeq })
  .strict();
export type AuditGapData = z.infer<typeof AuditGapData>;

/**
 * hatch's chain entry for a message it would not record as genuine (unsigned or forged, not an audit
 * event, carrying a secret-looking field, unstorable): kept in the chain, so an auditor sees it in
 * the log itself and `audit verify` counts it, and ingest moves on past it.
 */
export const AuditParkedEvent = { type: 'AuditEventParkedV1', action: 'event.parked' } as const;

/** hatch's name as a source: its entries are made by hatch, never taken from the bus. */
export const HATCH_SOURCE = 'hatch';
