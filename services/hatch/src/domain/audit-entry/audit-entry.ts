import {
  AuditEvent,
  findSecretField,
  ErrorCode,
  HATCH_SOURCE,
  HearthError,
  KNOWN_AUDIT_EVENTS,
  PARKED_LIMITS,
  parkableText,
  parseAuditSubject,
  ServiceName,
  type AuditOrigin,
} from '@hearth/contracts';
import type { z } from 'zod';
import type { RecordFields } from '@hearth/audit-chain';

/** An event's fields as they go into the chain, less the time hatch records it. */
export type AuditEntry = Omit<RecordFields, 'recorded_at'>;

/**
 * What hatch does with a message from the HATCH stream: record it, or park it with a reason.
 * `keepBody` is false when the body must not be kept even in the parking lot: it holds a
 * secret-looking field, or text Postgres cannot store.
 */
export type IngestVerdict = { kind: 'record'; entry: AuditEntry } | { kind: 'park'; reason: string; keepBody: boolean };

/**
 * Checks that `service` signed the message, and answers its origin; throws a HearthError
 * (BUS.UNSIGNED, BUS.BAD_SIGNATURE, BUS.WRONG_ORIGIN) otherwise.
 */
export type OriginCheck = (service: ServiceName) => AuditOrigin;

/**
 * Decides whether a message becomes an audit record. The secret check comes first and covers the
 * whole body, so a refused event's values are never looked at again, nor echoed in the reason. An
 * event is recorded only as coming from the service its subject names, which must have signed it
 * and, for a type hatch knows, be the one service that emits it.
 */
export function admit(subject: string, body: unknown, checkOrigin: OriginCheck): IngestVerdict {
  const secretField = findSecretField(body);
  if (secretField) return park(`carries a secret-looking field: ${secretField}`, false);
  const unstorable = findUnstorableText(body);
  if (unstorable !== null) return park(`unstorable text at ${unstorable || 'body'}`, false);
  const route = parseAuditSubject(subject);
  if (!route) return park('not an audit subject (hatch.<service>.<action>)', true);
  if (route.service === HATCH_SOURCE)
    return park("hatch's own entries are made by hatch, never taken from the bus", true);
  const service = ServiceName.safeParse(route.service);
  if (!service.success) return park(`no Hearth service is called ${route.service}`, true);
  const parsed = AuditEvent.safeParse(body);
  if (!parsed.success) return park(`not an audit event: ${issuesOf(parsed.error)}`, true);
  // A type hatch knows (the vault's events) must match its own contract; any other passes as the envelope.
  const known = KNOWN_AUDIT_EVENTS.get(parsed.data.type);
  const contract = known?.schema.safeParse(body);
  if (contract?.success === false) return park(`not a ${parsed.data.type}: ${issuesOf(contract.error)}`, true);
  if (known && known.emitter !== service.data) {
    return park(`${ErrorCode.BusWrongOrigin}: only ${known.emitter} emits ${parsed.data.type}`, true);
  }
  let origin: AuditOrigin;
  try {
    origin = checkOrigin(service.data);
  } catch (error) {
    if (error instanceof HearthError) return park(`${error.code}: ${error.message}`, true);
    throw error;
  }

  const { id, type, data, metadata } = parsed.data;
  return {
    kind: 'record',
    entry: {
      event_id: id,
      event_type: type,
      // Millisecond precision, in UTC: what timestamptz keeps and gives back, so the hash recomputes.
      occurred_at: new Date(metadata.occurred_at).toISOString(),
      source: route.service,
      action: route.action,
      actor: metadata.actor,
      subject_path: data.path ?? null,
      workspace_slug: data.workspace_slug ?? null,
      outcome: data.outcome ?? null,
      trace_id: metadata.trace_id,
      correlation_id: metadata.correlation_id,
      causation_id: metadata.causation_id,
      data,
      origin,
    },
  };
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** The reason is stored as text, so whatever key names it quotes are made storable (and bounded) first. */
function park(reason: string, keepBody: boolean): IngestVerdict {
  return { kind: 'park', reason: parkableText(reason, PARKED_LIMITS.detail), keepBody };
}

/** Postgres text holds no NUL, and jsonb no half of a surrogate pair (in unicode mode a whole pair is one code point, not Cs). */
const storable = (text: string) => text.replaceAll('\u0000', '\uFFFD').replace(/\p{Cs}/gu, '\uFFFD');
const unstorable = (text: string) => storable(text) !== text;

/**
 * The first path holding text Postgres refuses (a NUL, a lone surrogate). Such an event would fail
 * its insert on every redelivery and stall the log behind it.
 */
export function findUnstorableText(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return unstorable(value) ? path.join('.') : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const here = [...path, key];
    if (unstorable(key)) return here.join('.');
    const found = findUnstorableText(item, here);
    if (found) return found;
  }
  return null;
}
