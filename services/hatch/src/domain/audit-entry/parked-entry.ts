import { AuditParkedEvent, HATCH_SOURCE, PARKED_LIMITS, parkableText } from '@hearth/contracts';
import type { AuditEntry } from './audit-entry.js';

/** A message hatch parks, as its chain entry tells it: where it was, under which id, and why. */
export interface ParkedMessageFacts {
  subject: string;
  messageId: string;
  streamSeq: number;
  reason: string;
}

/**
 * hatch's chain entry for a message it parks instead of recording: its subject, id and stream position
 * and the reason, never its body (which may be what made it unstorable, or carry a secret).
 */
export function parkedEntry(parked: ParkedMessageFacts, eventId: string, at: string): AuditEntry {
  const { type, action } = AuditParkedEvent;
  return {
    event_id: eventId,
    event_type: type,
    occurred_at: at,
    source: HATCH_SOURCE,
    action,
    actor: HATCH_SOURCE,
    subject_path: null,
    workspace_slug: null,
    outcome: 'DENIED',
    trace_id: null,
    correlation_id: eventId,
    causation_id: null,
    data: {
      subject: parkableText(parked.subject, PARKED_LIMITS.subject),
      message_id: parkableText(parked.messageId, PARKED_LIMITS.messageId),
      stream_seq: parked.streamSeq,
      reason: parkableText(parked.reason, PARKED_LIMITS.detail),
    },
  };
}
