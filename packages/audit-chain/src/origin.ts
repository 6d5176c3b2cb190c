import {
  auditSubject,
  canonicalJson,
  messageSigningPayload,
  ServiceName,
  signatureValid,
  type AuditRecord,
  type ServiceKeys,
} from '@hearth/contracts';

/**
 * Why a record's origin does not prove who emitted it, or null when it does: the service it names is
 * its source, that service's pinned key signed the envelope under the record's subject, and the
 * record says what the envelope says. A record without an origin (made before hatch kept them) is
 * the caller's to count, not a fault.
 */
export function originFault(record: AuditRecord, keys: ServiceKeys): string | null {
  const origin = record.origin;
  if (!origin) return null;
  const service = ServiceName.safeParse(origin.service);
  if (!service.success || service.data !== record.source) {
    return `record ${record.seq} names ${JSON.stringify(origin.service)} as its emitter, not its source ${record.source}`;
  }
  const fields = {
    subject: auditSubject(record.source, record.action),
    origin: service.data,
    messageId: origin.message_id,
    sourceSeq: origin.source_seq,
  };
  if (!signatureValid(messageSigningPayload(fields, origin.envelope), keys.of(service.data), origin.signature)) {
    return `record ${record.seq} is not signed by ${service.data}'s pinned key`;
  }
  return saysWhatWasSigned(record) ? null : `record ${record.seq} does not say what ${service.data} signed`;
}

/** The fields hatch took from the envelope are the envelope's. */
function saysWhatWasSigned(record: AuditRecord): boolean {
  const envelope = record.origin!.envelope as {
    id?: unknown;
    type?: unknown;
    data?: unknown;
    metadata?: { actor?: unknown; correlation_id?: unknown };
  };
  try {
    return (
      envelope.id === record.event_id &&
      envelope.type === record.event_type &&
      envelope.metadata?.actor === record.actor &&
      envelope.metadata.correlation_id === record.correlation_id &&
      canonicalJson(envelope.data) === canonicalJson(record.data)
    );
  } catch {
    return false; // data that canonical JSON refuses was never what hatch recorded
  }
}
