import { AuditParkedEvent, PARKED_LIMITS, parkableText } from '@hearth/contracts';
import type { AuditEntry } from './audit-entry.js';
import { hatchEntry } from './hatch-entry.js';

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
  const data = {
    subject: parkableText(parked.subject, PARKED_LIMITS.subject),
    message_id: parkableText(parked.messageId, PARKED_LIMITS.messageId),
    stream_seq: parked.streamSeq,
    reason: parkableText(parked.reason, PARKED_LIMITS.detail),
  };
  return hatchEntry({ ...AuditParkedEvent, outcome: 'DENIED', correlationId: eventId, data }, eventId, at);
}
