import { z } from 'zod';
import { CONTROL_IN_PROSE } from './bounds.js';
import { findSecretField } from './secret-fields.js';

/**
 * Why a consumer parked a message instead of applying it: it failed validation (not JSON, a field
 * out of bounds, an id no ledger can hold); it was refused for good (a HearthError that is no
 * outage: an illegal transition, a bad signature); or it kept failing up to its delivery limit.
 */
export const ParkReason = z.enum(['invalid', 'refused', 'delivery_limit']);
export type ParkReason = z.infer<typeof ParkReason>;

/** What an operator sees of a parked message. Every text in it is bounded (PARKED_LIMITS). */
export const ParkedMessage = z
  .object({
    consumer: z.string(),
    subject: z.string(),
    message_id: z.string(),
    stream_seq: z.number().int().nullable(),
    reason: ParkReason,
    /** The refusal's code and message, or the failure that repeated. */
    detail: z.string(),
    /** The first characters of the body; null when it was no JSON or carried a secret-looking field. */
    excerpt: z.string().nullable(),
    parked_at: z.iso.datetime(),
  })
  .strict();
export type ParkedMessage = z.infer<typeof ParkedMessage>;

export const ParkedList = z.object({ items: z.array(ParkedMessage) }).strict();
export type ParkedList = z.infer<typeof ParkedList>;

export const PARKED_LIMITS = { subject: 512, messageId: 200, detail: 1024, excerpt: 512, listed: 200 } as const;

/** A message a consumer gives up on, as it is handed to a parking lot, before it is bounded. */
export type ParkingTicket = Omit<ParkedMessage, 'parked_at'>;

/** `ticket` with every text cut to its bound and made storable: what a parking lot keeps. */
export function boundedTicket(ticket: ParkingTicket): ParkingTicket {
  return {
    ...ticket,
    subject: parkableText(ticket.subject, PARKED_LIMITS.subject),
    message_id: parkableText(ticket.message_id, PARKED_LIMITS.messageId),
    detail: parkableText(ticket.detail, PARKED_LIMITS.detail),
    excerpt: ticket.excerpt === null ? null : parkableText(ticket.excerpt, PARKED_LIMITS.excerpt),
  };
}

/**
 * The stream where a service without a database (the driver) parks: `parked.<service>`, the latest
 * thousand per service, each record small.
 */
export const ParkedStream = {
  name: 'PARKED',
  subjects: ['parked.>'],
  maxMsgsPerSubject: 1_000,
  maxMsgSize: 8 * 1024,
} as const;
export const parkedSubject = (service: string) => `parked.${service}`;

/** Text off the wire as it may be kept: at most `max` characters, control characters and lone surrogates replaced. */
export function parkableText(text: string, max: number): string {
  return text.slice(0, max).replace(new RegExp(CONTROL_IN_PROSE, 'gu'), '\uFFFD');
}

/** The first characters of a body as JSON, or null when it holds a secret-looking field (never kept, even parked). */
export function parkedExcerpt(body: unknown): string | null {
  if (body === undefined || findSecretField(body)) return null;
  return parkableText(JSON.stringify(body) ?? '', PARKED_LIMITS.excerpt);
}
