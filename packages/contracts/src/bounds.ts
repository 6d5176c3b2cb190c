import { z } from 'zod';

/**
 * The one list of limits on what travels on the bus. Every field a consumer stores or indexes has one:
 * a value past it (a 6,000-character actor, a 1 MiB correlation id) would fail its insert, overflow a
 * btree index or make the answer exceed `max_payload` on every redelivery, and stall the consumer.
 * The limits sit far above anything Hearth emits and far below what Postgres indexes (~2,700 bytes).
 */
export const WIRE_LIMITS = {
  /** Event ids, command ids, message ids (`Nats-Msg-Id`), stream names. */
  id: 200,
  /** Who did it: a principal, an operator token's name, a service. */
  actor: 256,
  correlationId: 256,
  /** An event type with its version suffix. */
  type: 128,
  /** A path an audit event names (secret paths are 255 at most). */
  path: 1024,
  /** A free-text reason or endpoint. */
  text: 2048,
  /** A NATS subject as a consumer keeps it. */
  subject: 512,
} as const;

/** A secret's documented limits: at most 32 named values of at most 16 KiB each, 64 KiB in all. */
export const SECRET_LIMITS = { values: 32, valueBytes: 16 * 1024, totalBytes: 64 * 1024 } as const;

/**
 * Control characters (C0, DEL, C1): in a name, an id or a path they only ever hide something; Postgres
 * text refuses NUL and jsonb half of a surrogate pair (with the u flag a whole pair is one code point, not Cs).
 */
export const CONTROL = /\p{Cc}|\p{Cs}/u;
/** In prose, tabs and line breaks may stand; NUL, the other controls and lone surrogates may not. */
export const CONTROL_IN_PROSE = /(?![\t\n\r])\p{Cc}|\p{Cs}/u;

/** An identifier-like field: 1..`max` characters, no control characters. */
export const boundedName = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL.test(value), { message: 'holds a control character' });

/** A free-text field: at most `max` characters, line breaks allowed, no NUL or other control characters. */
export const boundedText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_IN_PROSE.test(value), { message: 'holds a control character' });

/** A `Nats-Msg-Id` a consumer may claim in its ledger. */
export const MessageId = boundedName(WIRE_LIMITS.id);

/** True when `id` may be a message id in a consumer's ledger. */
export function isMessageId(id: string): boolean {
  return MessageId.safeParse(id).success;
}
