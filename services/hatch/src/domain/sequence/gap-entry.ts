import { AuditGapEvents, HATCH_SOURCE, type AuditGapEvent } from '@hearth/contracts';
import type { AuditEntry } from '../audit-entry/audit-entry.js';
import type { DetectedGap } from './source-sequence.js';

/** hatch's chain entry about a gap of `source`; every entry of one gap has the gap's id as correlation id. */
export function gapEntry(
  kind: AuditGapEvent,
  source: string,
  gap: DetectedGap,
  eventId: string,
  at: string,
): AuditEntry {
  const { type, action } = AuditGapEvents[kind];
  return {
    event_id: eventId,
    event_type: type,
    occurred_at: at,
    source: HATCH_SOURCE,
    action,
    actor: HATCH_SOURCE,
    subject_path: null,
    workspace_slug: null,
    outcome: kind === 'filled' ? 'OK' : 'NOT_FOUND',
    trace_id: null,
    correlation_id: gap.gapId,
    causation_id: null,
    data: { source, from: gap.from, to: gap.to },
  };
}
