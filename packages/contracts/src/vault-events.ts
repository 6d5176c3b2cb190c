import { z } from 'zod';
import { AuditOutcome } from './audit.js';
import { ScopeKind } from './scopes.js';
import { envelopeOf } from './envelope.js';
import { EngineName, LeaseId, LeaseRoleName, SslMode } from './leases.js';
import { CredentialCategory, CredentialTypeInfo, CredentialTypeName, Environment, Tester } from './credential-types.js';
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
      /** Absent in events of earlier releases: the version is `generic`, in environment `production`. */
      type: CredentialTypeName.optional(),
      type_version: z.number().int().positive().nullable().optional(),
      environment: Environment.optional(),
      /** The type's metadata fields (host, port, username…): never a password or hidden field's value. */
      fields: z.record(z.string(), z.string()).optional(),
      /** Set by a rotation: the version it replaced. */
      rotated_from: z.number().int().positive().optional(),
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
      /** A read made by a resolution: the scope whose credential won the name, the name, and the resolution's event id. */
      resolved: z
        .object({ name: z.string().min(1), scope: ScopeKind, resolve_id: z.uuid() })
        .strict()
        .optional(),
      /** Written by earlier releases only: metadata.trace_id holds the trace. */
      trace_id: z.string().nullable().optional(),
    })
    .strict(),
);
export type SecretReadV1 = z.infer<typeof SecretReadV1>;

/**
 * One resolution of a workspace's credentials (a dispatch, or an operator's preview): which names
 * it asked, where each came from and which version; each value handed out also has its own
 * SecretReadV1. Refused resolutions are recorded too (DENIED, or the outcome of the name that failed).
 */
export const SecretsResolvedV1 = envelopeOf(
  'SecretsResolvedV1',
  z
    .object({
      actor: z.string().min(1),
      workspace_slug: z.string().min(1),
      team: z.string().nullable(),
      org: z.string().nullable(),
      request_id: z.string().min(1),
      preview: z.boolean(),
      outcome: AuditOutcome,
      reason: z.string().optional(),
      names: z.array(
        z
          .object({
            name: z.string().min(1),
            scope: ScopeKind.nullable(),
            path: z.string().nullable(),
            version: z.number().int().positive().nullable(),
            outcome: AuditOutcome,
          })
          .strict(),
      ),
    })
    .strict(),
);
export type SecretsResolvedV1 = z.infer<typeof SecretsResolvedV1>;

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

/** A principal ended: its key and rules gone, and with them every session it held. */
export const PrincipalRevokedV1 = envelopeOf('PrincipalRevokedV1', z.object({ name: z.string().min(1) }).strict());
export type PrincipalRevokedV1 = z.infer<typeof PrincipalRevokedV1>;

/** A session opened by its principal (the actor) with one signed handshake; never its keys. */
export const SessionOpenedV1 = envelopeOf(
  'SessionOpenedV1',
  z.object({ session_id: z.uuid(), expires_at: z.iso.datetime() }).strict(),
);
export type SessionOpenedV1 = z.infer<typeof SessionOpenedV1>;

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

/**
 * Dynamic credentials. `path` is the resource's policy path (`db/engines/<engine>`,
 * `db/roles/<role>`, a lease's id), so hatch indexes each like a secret's; `workspace_slug` is the
 * engine's workspace. A lease's events name its user, so HATCH answers who had a database user, and when.
 */
const atCredential = { ...atPath, by: z.string().min(1) };

export const CredentialDeactivatedV1 = envelopeOf('CredentialDeactivatedV1', z.object(atCredential).strict());
export type CredentialDeactivatedV1 = z.infer<typeof CredentialDeactivatedV1>;

export const CredentialActivatedV1 = envelopeOf('CredentialActivatedV1', z.object(atCredential).strict());
export type CredentialActivatedV1 = z.infer<typeof CredentialActivatedV1>;

/** A test of the version that was current: its status as the outcome, and the reason (never a value). */
export const CredentialTestedV1 = envelopeOf(
  'CredentialTestedV1',
  z
    .object({
      ...atCredential,
      version: z.number().int().positive(),
      type: CredentialTypeName,
      outcome: z.enum(['OK', 'FAILED', 'TIMEOUT']),
      message: z.string().max(2048),
      tested_at: z.iso.datetime(),
    })
    .strict(),
);
export type CredentialTestedV1 = z.infer<typeof CredentialTestedV1>;

/**
 * A rotation's steps: `requested` (the new value is kept aside as `version`, not yet current),
 * `applied` (its sidecar took it and a login with it worked), `promoted` (current), `failed` (the
 * sidecar refused it; the rotation is tried again), `abandoned` (dropped; the value before stays current).
 */
export const CredentialRotatedV1 = envelopeOf(
  'CredentialRotatedV1',
  z
    .object({
      ...atCredential,
      step: z.enum(['requested', 'applied', 'promoted', 'failed', 'abandoned']),
      version: z.number().int().positive(),
      provider: Provider,
      reason: z.string().max(2048).optional(),
    })
    .strict(),
);
export type CredentialRotatedV1 = z.infer<typeof CredentialRotatedV1>;

export const CredentialScheduleSetV1 = envelopeOf(
  'CredentialScheduleSetV1',
  z
    .object({
      ...atCredential,
      every_days: z.number().int().positive().nullable(),
      next_rotation_at: z.iso.datetime().nullable(),
    })
    .strict(),
);
export type CredentialScheduleSetV1 = z.infer<typeof CredentialScheduleSetV1>;

/** A custom credential type defined (version 1) or redefined: its whole definition, which holds no value. */
export const CredentialTypeDefinedV1 = envelopeOf(
  'CredentialTypeDefinedV1',
  z
    .object({
      path: z.string(),
      workspace_slug: z.null(),
      name: CredentialTypeName,
      version: z.number().int().positive(),
      display_name: z.string(),
      category: CredentialCategory,
      fields: CredentialTypeInfo.shape.fields,
      tester: Tester.nullable(),
      by: z.string().min(1),
    })
    .strict(),
);
export type CredentialTypeDefinedV1 = z.infer<typeof CredentialTypeDefinedV1>;

const atEngine = { path: z.string(), engine: EngineName, workspace_slug: z.string().nullable(), by: z.string().min(1) };

export const EngineConfiguredV1 = envelopeOf(
  'EngineConfiguredV1',
  z
    .object({
      ...atEngine,
      host: z.string(),
      port: z.number().int(),
      database: z.string(),
      sslmode: SslMode,
      root_path: SecretPath,
      rotation_days: z.number().int().nullable(),
      created: z.boolean(),
    })
    .strict(),
);
export type EngineConfiguredV1 = z.infer<typeof EngineConfiguredV1>;

/** Deleted; `forced` when leases still lived, which are then taken off the books (`leases_forced`). */
export const EngineDeletedV1 = envelopeOf(
  'EngineDeletedV1',
  z.object({ ...atEngine, forced: z.boolean(), leases_forced: z.number().int().nonnegative() }).strict(),
);
export type EngineDeletedV1 = z.infer<typeof EngineDeletedV1>;

/**
 * A step of a root rotation: `pending` (a new version kept aside), `applied` (Postgres took its
 * verifier), `promoted` (the new version is the root credential), `abandoned` (Postgres never took it).
 */
export const EngineRootRotatedV1 = envelopeOf(
  'EngineRootRotatedV1',
  z
    .object({
      ...atEngine,
      root_path: SecretPath,
      step: z.enum(['pending', 'applied', 'promoted', 'abandoned']),
      version: z.number().int().positive().nullable(),
      reason: z.string().max(2048).optional(),
    })
    .strict(),
);
export type EngineRootRotatedV1 = z.infer<typeof EngineRootRotatedV1>;

const atRole = { ...atEngine, role: LeaseRoleName };

/** Created or replaced; the statements are named by their SHA-256 (hex), the TTLs in seconds. */
export const LeaseRoleDefinedV1 = envelopeOf(
  'LeaseRoleDefinedV1',
  z
    .object({
      ...atRole,
      statements_sha256: z.string().regex(/^[0-9a-f]{64}$/),
      default_ttl: z.number().int(),
      max_ttl: z.number().int(),
      username_template: z.string(),
      created: z.boolean(),
    })
    .strict(),
);
export type LeaseRoleDefinedV1 = z.infer<typeof LeaseRoleDefinedV1>;

export const LeaseRoleDeletedV1 = envelopeOf('LeaseRoleDeletedV1', z.object(atRole).strict());
export type LeaseRoleDeletedV1 = z.infer<typeof LeaseRoleDeletedV1>;

const atLease = { ...atRole, path: LeaseId, lease_id: LeaseId, username: z.string().min(1) };

/** A user made for a caller (`by`), until `expires_at` and at most `max_expires_at`; `request_id` is its signed nonce. */
export const LeaseIssuedV1 = envelopeOf(
  'LeaseIssuedV1',
  z
    .object({
      ...atLease,
      expires_at: z.iso.datetime(),
      max_expires_at: z.iso.datetime(),
      request_id: z.string().min(1),
    })
    .strict(),
);
export type LeaseIssuedV1 = z.infer<typeof LeaseIssuedV1>;

export const LeaseRenewedV1 = envelopeOf(
  'LeaseRenewedV1',
  z.object({ ...atLease, expires_at: z.iso.datetime() }).strict(),
);
export type LeaseRenewedV1 = z.infer<typeof LeaseRenewedV1>;

/**
 * The user is gone (`revoked` on request, `expired` by the sweeper, `rolled_back` when its creation
 * failed) or the lease was taken off the books without that check (`forced`).
 */
export const LeaseRevokedV1 = envelopeOf(
  'LeaseRevokedV1',
  z.object({ ...atLease, reason: z.enum(['revoked', 'expired', 'rolled_back', 'forced']) }).strict(),
);
export type LeaseRevokedV1 = z.infer<typeof LeaseRevokedV1>;

/** Revocation kept failing: the user may still exist; `last_error` says why (never a password). */
export const LeaseIrrevocableV1 = envelopeOf(
  'LeaseIrrevocableV1',
  z.object({ ...atLease, attempts: z.number().int().positive(), last_error: z.string().max(2048) }).strict(),
);
export type LeaseIrrevocableV1 = z.infer<typeof LeaseIrrevocableV1>;

export const VaultEvent = z.discriminatedUnion('type', [
  SecretVersionWrittenV1,
  SecretVersionsDeletedV1,
  SecretVersionsUndeletedV1,
  SecretVersionsDestroyedV1,
  SecretReadV1,
  SecretsResolvedV1,
  AccessDeniedV1,
  PrincipalCreatedV1,
  PrincipalRevokedV1,
  SessionOpenedV1,
  PolicyGrantedV1,
  PolicyRevokedV1,
  EngineConfiguredV1,
  EngineDeletedV1,
  EngineRootRotatedV1,
  LeaseRoleDefinedV1,
  LeaseRoleDeletedV1,
  LeaseIssuedV1,
  LeaseRenewedV1,
  LeaseRevokedV1,
  LeaseIrrevocableV1,
  CredentialDeactivatedV1,
  CredentialActivatedV1,
  CredentialTestedV1,
  CredentialRotatedV1,
  CredentialScheduleSetV1,
  CredentialTypeDefinedV1,
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
  SecretsResolvedV1: 'secrets.resolve',
  AccessDeniedV1: 'access.denied',
  PrincipalCreatedV1: 'principal.create',
  PrincipalRevokedV1: 'principal.revoke',
  SessionOpenedV1: 'session.open',
  PolicyGrantedV1: 'policy.grant',
  PolicyRevokedV1: 'policy.revoke',
  EngineConfiguredV1: 'engine.configure',
  EngineDeletedV1: 'engine.delete',
  EngineRootRotatedV1: 'engine.rotate-root',
  LeaseRoleDefinedV1: 'role.define',
  LeaseRoleDeletedV1: 'role.delete',
  LeaseIssuedV1: 'lease.issue',
  LeaseRenewedV1: 'lease.renew',
  LeaseRevokedV1: 'lease.revoke',
  LeaseIrrevocableV1: 'lease.irrevocable',
  CredentialDeactivatedV1: 'credential.deactivate',
  CredentialActivatedV1: 'credential.activate',
  CredentialTestedV1: 'credential.test',
  CredentialRotatedV1: 'credential.rotate',
  CredentialScheduleSetV1: 'credential.schedule',
  CredentialTypeDefinedV1: 'credential-type.define',
} as const satisfies Record<VaultEventType, string>;
