import { z } from 'zod';
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

/** What hatch indexes of an event's data; the rest is kept as it came. */
export const AuditData = z
  .object({
    path: z.string().optional(),
    workspace_slug: z.string().optional(),
    outcome: AuditOutcome.optional(),
  })
  .loose();

export const AuditEvent = z
  .object({
    id: z.uuid(),
    type: z.string().min(1),
    stream: z.string().min(1),
    version: z.number().int().nonnegative(),
    data: AuditData,
    metadata: EventMetadata,
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;

/** Field names that mark secret material; an event holding one anywhere is refused, not stored. */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set([
  'value',
  'values',
  'password',
  'secret',
  'token',
  'private_key',
  'api_key',
]);
/** … and names ending so (`client_secret`, `db_password`, `access_token`). Not `_key`: `public_key` is no secret. */
export const SECRET_FIELD_SUFFIXES: readonly string[] = ['_password', '_secret', '_token', '_private_key', '_api_key'];

/**
 * Whether a field name marks secret material, however it is spelt: `clientSecret`, `Client-Secret`
 * and `CLIENT_SECRET` all read as `client_secret`, since emitters differ in naming style.
 */
export function isSecretFieldName(key: string): boolean {
  const name = key
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s.]+/g, '_')
    .toLowerCase();
  return SECRET_FIELD_NAMES.has(name) || SECRET_FIELD_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** The first path at which `data` holds a secret-looking field, or null. */
export function findSecretField(data: unknown, path: string[] = []): string | null {
  if (Array.isArray(data)) {
    for (const [i, item] of data.entries()) {
      const found = findSecretField(item, [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  for (const [key, value] of Object.entries(data)) {
    if (isSecretFieldName(key)) return [...path, key].join('.');
    const found = findSecretField(value, [...path, key]);
    if (found) return found;
  }
  return null;
}
