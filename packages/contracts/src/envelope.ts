import { z } from 'zod';
import { boundedName, WIRE_LIMITS } from './bounds.js';

export const EventMetadata = z
  .object({
    actor: boundedName(WIRE_LIMITS.actor),
    correlation_id: boundedName(WIRE_LIMITS.correlationId),
    causation_id: boundedName(WIRE_LIMITS.id).nullable(),
    trace_id: boundedName(WIRE_LIMITS.id).nullable(),
    occurred_at: z.iso.datetime(),
  })
  .strict();
export type EventMetadata = z.infer<typeof EventMetadata>;

/**
 * Every event and command on the bus or in a store travels in this envelope. `type` carries a
 * version suffix (`DeploymentRequestedV1`); `version` is the position in its stream.
 */
export function envelopeOf<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z
    .object({
      id: z.uuid(),
      type: z.literal(type),
      stream: boundedName(WIRE_LIMITS.id),
      version: z.number().int().nonnegative(),
      data,
      metadata: EventMetadata,
    })
    .strict();
}

/** Any event in the envelope: what a store or a consumer holds before it knows the type. */
export const Envelope = envelopeOf('any', z.unknown()).extend({ type: boundedName(WIRE_LIMITS.type) });
export type Envelope = z.infer<typeof Envelope>;

/** An event as a decider makes it: its type and data, before the store gives it an id, a stream and metadata. */
export type EventBody<E extends { type: string; data: unknown }> = E extends unknown
  ? { type: E['type']; data: E['data'] }
  : never;
