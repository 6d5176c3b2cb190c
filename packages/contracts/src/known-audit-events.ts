import type { z } from 'zod';
import { ConsoleAuditEvent } from './console/audit-events.js';
import type { ServiceName } from './bus-signature.js';
import { VaultEvent } from './vault-events.js';

/** An audit event type hatch knows: its contract, and the one service that may emit it. */
export interface KnownAuditEvent {
  schema: z.ZodType;
  emitter: ServiceName;
}

/**
 * The event types hatch knows, each with its own contract and emitter: a known type is recorded only
 * if it matches it and came signed from that emitter. Any other type is kept as the generic
 * AuditEvent, from the service its subject names, so a new emitter needs no hatch release.
 */
export const KNOWN_AUDIT_EVENTS: ReadonlyMap<string, KnownAuditEvent> = new Map<string, KnownAuditEvent>([
  ...VaultEvent.options.map((schema) => [schema.shape.type.value, { schema, emitter: 'vault' }] as const),
  ...ConsoleAuditEvent.options.map((schema) => [schema.shape.type.value, { schema, emitter: 'console' }] as const),
]);
