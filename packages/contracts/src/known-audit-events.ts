import type { z } from 'zod';
import { ConsoleAuditEvent } from './console/audit-events.js';
import { VaultEvent } from './vault-events.js';

/**
 * The event types hatch knows, each with its own contract: a known type is recorded only if it
 * matches it. Any other type is kept as the generic AuditEvent, so a new emitter needs no hatch release.
 */
export const KNOWN_AUDIT_EVENTS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>(
  [...VaultEvent.options, ...ConsoleAuditEvent.options].map((schema) => [schema.shape.type.value, schema]),
);
