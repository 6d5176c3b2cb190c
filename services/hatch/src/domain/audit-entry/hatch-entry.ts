import { HATCH_SOURCE, type AuditOutcome } from '@hearth/contracts';
import type { AuditEntry } from './audit-entry.js';

/** What sets one of hatch's own chain entries apart: the rest is hatch's name and nulls. */
export interface HatchEntryFacts {
  type: string;
  action: string;
  outcome: AuditOutcome;
  correlationId: string;
  data: Record<string, unknown>;
}

/** A chain entry hatch makes itself (a gap, a parked message), never taken from the bus. */
export function hatchEntry(facts: HatchEntryFacts, eventId: string, at: string): AuditEntry {
  return {
    event_id: eventId,
    event_type: facts.type,
    occurred_at: at,
    source: HATCH_SOURCE,
    action: facts.action,
    actor: HATCH_SOURCE,
    subject_path: null,
    workspace_slug: null,
    outcome: facts.outcome,
    trace_id: null,
    correlation_id: facts.correlationId,
    causation_id: null,
    data: facts.data,
  };
}
