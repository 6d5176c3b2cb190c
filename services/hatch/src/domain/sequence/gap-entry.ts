import { AuditGapEvents, type AuditGapEvent } from '@hearth/contracts';
import type { AuditEntry } from '../audit-entry/audit-entry.js';
import { hatchEntry } from '../audit-entry/hatch-entry.js';
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
  const outcome = kind === 'filled' ? 'OK' : 'NOT_FOUND';
  const data = { source, from: gap.from, to: gap.to };
  return hatchEntry({ type, action, outcome, correlationId: gap.gapId, data }, eventId, at);
}
