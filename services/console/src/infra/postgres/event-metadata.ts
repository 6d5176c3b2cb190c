import type { EventMetadata } from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import type { Clock, Ids } from '@hearth/platform/ports';
import { currentTraceId } from '@hearth/platform/telemetry';
import type { CommandOrigin } from '../../app/ports.js';

/** The metadata of the events a command appends: who asked, in which flow, in answer to what, when. */
export function eventMetadataOf(origin: CommandOrigin, clock: Clock, ids: Ids): () => EventMetadata {
  return () => ({
    actor: origin.actor,
    correlation_id: origin.correlationId ?? correlation.getStore() ?? ids.next(),
    causation_id: origin.causationId ?? null,
    trace_id: currentTraceId(),
    occurred_at: clock.now().toISOString(),
  });
}
