import { z } from 'zod';
import { AuditOutcome } from './audit.js';
import { envelopeOf } from './envelope.js';
import { Capability, PolicyRule, Provider, SecretPath, StoredPathPattern } from './vault.js';

/**
 * The vault's events: in its own store, and on the HATCH stream as they were stored. None carries a
 * value; a write names its values, never more.
 */

/** Where a secret event happened: the path, and the workspace `hearth/<slug>/…` belongs to (else null). */
const atPath = { path: SecretPath, workspace_slug: z.string().nullable() };
const versionsChanged = { ...atPath, versions: z.array(z.number().int().positive()).min(1), by: z.string().min(1) };

export const SecretVersionWrittenV1 = envelopeOf(
  'SecretVersionWrittenV1',
  z
    .object({
      ...atPath,
      version: z.number().int().positive(),
      provider: Provider,
      tags: z.record(z.string(), z.string()),
      description: z.string().nullable(),
      expires_at: z.iso.datetime().nullable(),
      value_names: z.array(z.string()),
      created_by: z.string().min(1),
      created_at: z.iso.datetime(),
    })
    .strict(),
);
export type SecretVersionWrittenV1 = z.infer<typeof SecretVersionWrittenV1>;

export const SecretVersionsDeletedV1 = envelopeOf('SecretVersionsDeletedV1', z.object(versionsChanged).strict());
export type SecretVersionsDeletedV1 = z.infer<typeof SecretVersionsDeletedV1>;

export const SecretVersionsUndeletedV1 = envelopeOf('SecretVersionsUndeletedV1', z.object(versionsChanged).strict());
export type SecretVersionsUndeletedV1 = z.infer<typeof SecretVersionsUndeletedV1>;

/** Crypto-shredded: the versions' keys are gone; `reason` says whether an operator or the retention did it. */
export const SecretVersionsDestroyedV1 = envelopeOf(
  'SecretVersionsDestroyedV1',
  z.object({ ...versionsChanged, reason: z.enum(['destroy', 'retention']) }).strict(),
);
export type SecretVersionsDestroyedV1 = z.infer<typeof SecretVersionsDestroyedV1>;

/**
 * A read, committed before any value leaves: who, which version, how it ended. A refused read names
 * the path it claimed (escaped, maybe malformed) and the refusal's code as `reason`; `request_id` is
 * the request's signed nonce, which the caller knows.
 */
export const SecretReadV1 = envelopeOf(
  'SecretReadV1',
  z
    .object({
      actor: z.string().min(1),
      path: z.string(),
      version: z.number().int().positive().nullable(),
      workspace_slug: z.string().nullable(),
      request_id: z.string().min(1),
      outcome: AuditOutcome,
      reason: z.string().optional(),
      /** Written by earlier releases only: metadata.trace_id holds the trace. */
      trace_id: z.string().nullable().optional(),
    })
    .strict(),
);
export type SecretReadV1 = z.infer<typeof SecretReadV1>;

/** Any other signed request refused once its signer was known (stale, replayed, malformed, denied, a stale CAS…). */
export const AccessDeniedV1 = envelopeOf(
  'AccessDeniedV1',
  z
    .object({
      actor: z.string().min(1),
      capability: Capability,
      path: z.string(),
      outcome: z.literal('DENIED'),
      reason: z.string().min(1),
    })
    .strict(),
);
export type AccessDeniedV1 = z.infer<typeof AccessDeniedV1>;

export const PrincipalCreatedV1 = envelopeOf(
  'PrincipalCreatedV1',
  z.object({ name: z.string().min(1), public_key: z.base64() }).strict(),
);
export type PrincipalCreatedV1 = z.infer<typeof PrincipalCreatedV1>;

export const PolicyGrantedV1 = envelopeOf(
  'PolicyGrantedV1',
  z.object({ name: z.string().min(1), rule: PolicyRule }).strict(),
);
export type PolicyGrantedV1 = z.infer<typeof PolicyGrantedV1>;

export const PolicyRevokedV1 = envelopeOf(
  'PolicyRevokedV1',
  z.object({ name: z.string().min(1), pattern: StoredPathPattern }).strict(),
);
export type PolicyRevokedV1 = z.infer<typeof PolicyRevokedV1>;

export const VaultEvent = z.discriminatedUnion('type', [
  SecretVersionWrittenV1,
  SecretVersionsDeletedV1,
  SecretVersionsUndeletedV1,
  SecretVersionsDestroyedV1,
  SecretReadV1,
  AccessDeniedV1,
  PrincipalCreatedV1,
  PolicyGrantedV1,
  PolicyRevokedV1,
]);
export type VaultEvent = z.infer<typeof VaultEvent>;
export type VaultEventType = VaultEvent['type'];

/** The HATCH subject of each vault event: `hatch.vault.<action>`. */
export const VAULT_AUDIT_ACTIONS = {
  SecretVersionWrittenV1: 'secret.write',
  SecretVersionsDeletedV1: 'secret.delete',
  SecretVersionsUndeletedV1: 'secret.undelete',
  SecretVersionsDestroyedV1: 'secret.destroy',
  SecretReadV1: 'secret.read',
  AccessDeniedV1: 'access.denied',
  PrincipalCreatedV1: 'principal.create',
  PolicyGrantedV1: 'policy.grant',
  PolicyRevokedV1: 'policy.revoke',
} as const satisfies Record<VaultEventType, string>;
