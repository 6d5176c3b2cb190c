import { z } from 'zod';

export const EventMetadata = z
  .object({
    actor: z.string().min(1),
    correlation_id: z.string().min(1),
    causation_id: z.string().nullable(),
    trace_id: z.string().nullable(),
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
      stream: z.string().min(1),
      version: z.number().int().nonnegative(),
      data,
      metadata: EventMetadata,
    })
    .strict();
}

/** Any event in the envelope: what a store or a consumer holds before it knows the type. */
export const Envelope = envelopeOf('any', z.unknown()).extend({ type: z.string().min(1) });
export type Envelope = z.infer<typeof Envelope>;

/** An event as a decider makes it: its type and data, before the store gives it an id, a stream and metadata. */
export type EventBody<E extends { type: string; data: unknown }> = E extends unknown
  ? { type: E['type']; data: E['data'] }
  : never;
