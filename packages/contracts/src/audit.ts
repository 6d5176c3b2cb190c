import { z } from 'zod';
import { boundedName, WIRE_LIMITS } from './bounds.js';
import { EventMetadata } from './envelope.js';

/**
 * HATCH: the audit stream. Every service publishes its auditable events to `hatch.<service>.<action>`
 * (say `hatch.vault.secret.read`) in the common envelope, with `Nats-Msg-Id` = event id; hatch
 * appends each to its hash chain once. An audit event never carries a secret value.
 */
export const HatchStream = { name: 'HATCH', subjects: ['hatch.>'] } as const;

export const AuditOutcome = z.enum(['OK', 'DENIED', 'NOT_FOUND', 'EXPIRED', 'FAILED']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export function auditSubject(service: string, action: string): string {
  return `hatch.${service}.${action}`;
}

/** `hatch.vault.secret.read` → `{ service: 'vault', action: 'secret.read' }`. */
export function parseAuditSubject(subject: string): { service: string; action: string } | null {
  const match = /^hatch\.([a-z0-9-]+)\.([a-z0-9-]+(?:\.[a-z0-9-]+)*)$/.exec(subject);
  return match ? { service: match[1]!, action: match[2]! } : null;
}

/** What hatch indexes of an event's data; the rest is kept as it came. A path outside any workspace has a null slug. */
export const AuditData = z
  .object({
    path: boundedName(WIRE_LIMITS.path).optional(),
    workspace_slug: boundedName(WIRE_LIMITS.id).nullable().optional(),
    outcome: AuditOutcome.optional(),
  })
  .loose();

export const AuditEvent = z
  .object({
    id: z.uuid(),
    type: boundedName(WIRE_LIMITS.type),
    stream: boundedName(WIRE_LIMITS.id),
    version: z.number().int().nonnegative(),
    data: AuditData,
    metadata: EventMetadata,
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;
