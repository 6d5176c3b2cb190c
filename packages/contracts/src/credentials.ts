import { z } from 'zod';
import { CredentialTypeName, RotationDays, TestStatus } from './credential-types.js';
import { SecretMetadata, SecretPath, SecretValues, SecretVersionInfo } from './vault.js';

/**
 * Credentials: a secret with a type (credential-types.ts). Every secret is one — a write without a type
 * is `generic` — so reads, versions, destroy and policies stay what they are for secrets; what a
 * credential adds is its type, environment and active flag, a test result, and rotation.
 *
 * Policy paths: a credential's own path (`write` to create, update, test, rotate, schedule, activate or
 * deactivate; `destroy` to delete, which crypto-shreds every version; `list` to get and list), and
 * `credential-types/<name>` (`write` to define or redefine a custom type). Any signed principal lists types.
 */

/**
 * The tag a driver puts on a credential it generated for sidecars: `<slug>/<service>[,…]`. Such a
 * credential is tested and rotated by that driver, inside the sidecar.
 */
export const SIDECAR_TAG = 'provisioned_for_service';

export const CREDENTIAL_TYPES_PREFIX = 'credential-types/';
export const credentialTypePath = (name: string): string => `${CREDENTIAL_TYPES_PREFIX}${name}`;

export const CredentialGetRequest = z.object({ path: SecretPath }).strict();
export const CredentialStatusRequest = z.object({ path: SecretPath, active: z.boolean() }).strict();
export const CredentialTestRequest = z.object({ path: SecretPath }).strict();
export const CredentialScheduleRequest = z.object({ path: SecretPath, every_days: RotationDays.nullable() }).strict();

/**
 * Rotate: an AUTO_MANAGED credential gets a new value the vault generates, applied inside its sidecar
 * by the driver that made it before it becomes current (no `sealed_values`); a USER credential rotates
 * by a new version its caller supplies, sealed to the vault's seal key as a write's values are.
 */
export const CredentialRotateRequest = z
  .object({ path: SecretPath, sealed_values: z.base64().max(600_000).optional() })
  .strict();

/** What a test found. `message` is a reason a person can act on; it never holds a value. */
export const CredentialTestResult = z
  .object({
    path: SecretPath,
    version: z.number().int().positive(),
    status: TestStatus,
    message: z.string(),
    tested_at: z.iso.datetime(),
  })
  .strict();
export type CredentialTestResult = z.infer<typeof CredentialTestResult>;

/** Where a rotation stands: a USER rotation is promoted at once; an AUTO_MANAGED one is pending until its sidecar took it. */
export const CredentialRotation = z
  .object({
    path: SecretPath,
    state: z.enum(['pending', 'promoted']),
    version: z.number().int().positive(),
  })
  .strict();
export type CredentialRotation = z.infer<typeof CredentialRotation>;

/** One entry of a credential's history: its own events, never a value. */
export const CredentialHistoryEntry = z
  .object({
    type: z.string(),
    at: z.iso.datetime(),
    by: z.string(),
    version: z.number().int().positive().nullable(),
    /** The event's own words: a test's status and message, a rotation's step, a deactivation. */
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .strict();
export type CredentialHistoryEntry = z.infer<typeof CredentialHistoryEntry>;

/** What get answers: the metadata, every version's, and the credential's history (writes, tests, rotations, status). */
export const CredentialDetails = SecretMetadata.extend({
  versions: z.array(SecretVersionInfo),
  history: z.array(CredentialHistoryEntry),
}).strict();
export type CredentialDetails = z.infer<typeof CredentialDetails>;

export const CredentialSubjects = {
  types: 'vault.credential.types',
  defineType: 'vault.credential.type.define',
  get: 'vault.credential.get',
  status: 'vault.credential.status',
  test: 'vault.credential.test',
  rotate: 'vault.credential.rotate',
  schedule: 'vault.credential.schedule',
  /** The driver's side of rotation: the work it has to do in its sidecars, and what came of it. */
  workClaim: 'vault.credential.work.claim',
  workReport: 'vault.credential.work.report',
} as const;

/**
 * Work for the driver that generated a credential (the principal that wrote its current version):
 * `rotate` — make `pending` the sidecar's value, check a login with it; `check` — check a login with
 * `current` (an operator's test of a sidecar credential, whose host only the sidecar's network reaches).
 * The values come sealed to the claimant's key (CredentialWorkValues), never in clear.
 */
export const CredentialWork = z
  .object({
    id: z.uuid(),
    kind: z.enum(['rotate', 'check']),
    path: SecretPath,
    type: CredentialTypeName,
    workspace_slug: z.string().nullable(),
    /** The sidecars the credential is for (its SIDECAR_TAG). */
    service: z.string().nullable(),
    /** The version `pending` will be (rotate), or the version `current` is (check). */
    version: z.number().int().positive(),
    sealed: z.base64(),
  })
  .strict();
export type CredentialWork = z.infer<typeof CredentialWork>;

export const CredentialWorkValues = z
  .object({
    path: SecretPath,
    version: z.number().int().positive(),
    current: SecretValues,
    pending: SecretValues.nullable(),
  })
  .strict();
export type CredentialWorkValues = z.infer<typeof CredentialWorkValues>;

export const CredentialWorkList = z.object({ work: z.array(CredentialWork).max(100) }).strict();
export type CredentialWorkList = z.infer<typeof CredentialWorkList>;

/**
 * What the driver reports: `applied` (rotate: the sidecar takes `pending`, checked by a login with it),
 * `ok` (check: `current` logs in), `failed` (with `works`: which value, if any, still logs in, so the
 * vault keeps the one that does; without it, nothing is known and the work is handed out again),
 * `timeout`. `message` is a reason, never a value.
 */
export const CredentialWorkReport = z
  .object({
    id: z.uuid(),
    path: SecretPath,
    version: z.number().int().positive(),
    outcome: z.enum(['applied', 'ok', 'failed', 'timeout']),
    works: z.enum(['current', 'pending', 'neither']).optional(),
    message: z.string().max(1024),
  })
  .strict();
export type CredentialWorkReport = z.infer<typeof CredentialWorkReport>;
