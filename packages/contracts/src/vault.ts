import { z } from 'zod';
import {
  CredentialTypeName,
  DEFAULT_ENVIRONMENT,
  Environment,
  GENERIC_TYPE,
  RotationDays,
  TestStatus,
} from './credential-types.js';
import { isSecretFieldName } from './secret-fields.js';
import { CATEGORY_TAG, ENV_PREFIX_PATTERN, ENV_PREFIX_TAG, RESOLVABLE_NAME, SecretCategory } from './scopes.js';

/**
 * A secret path: 1–8 segments of lowercase letters, digits, `_` and `-` (each starting and ending
 * with a letter or digit), joined by single `/`, at most 255 characters. The grammar leaves no room
 * for `..`, `//`, percent-encoding, NUL or control characters, so no check elsewhere has to.
 */
export const SECRET_PATH_PATTERN =
  /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\/[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?){0,7}$/;
export const SecretPath = z.string().max(255).regex(SECRET_PATH_PATTERN, {
  message: 'a path is 1-8 segments of a-z 0-9 _ - joined by "/" (no "..", "//", encodings or control characters)',
});

/**
 * A pattern in a policy, matched by whole segments: `*` (every path), `X/*` (the path X and every
 * path below it) or an exact path. No other `*`: `hearth/acme*` would also cover `hearth/acme2`, a
 * workspace of its own, so it is refused (VAULT.INVALID_PATTERN) rather than read as a prefix.
 */
export const PathPattern = z
  .string()
  .max(257)
  .refine((p) => p === '*' || SECRET_PATH_PATTERN.test(p.endsWith('/*') ? p.slice(0, -2) : p), {
    message: 'a pattern is *, a path, or a path followed by /* (a * anywhere else is refused)',
  });

/**
 * What revoke accepts: any pattern an earlier release may have stored (`hearth/acme*`, which now
 * covers nothing), so that such a rule can still be removed.
 */
export const StoredPathPattern = z
  .string()
  .max(257)
  .regex(/^(?:\*|(?:[a-z0-9_-]+\/)*[a-z0-9_-]*\*?)$/, { message: 'not a pattern a rule can have' });

/** A list prefix: nothing (everything), a path, or a path and `/` (only what is below it). */
export const ListPrefix = z
  .string()
  .max(256)
  .refine((p) => p === '' || SECRET_PATH_PATTERN.test(p.endsWith('/') ? p.slice(0, -1) : p), {
    message: 'a prefix is empty, a path, or a path followed by / (no "..", "//", encodings or control characters)',
  });

/** A value's name is one a workload can be given as it is (a generic credential offers its values by their names). */
export const SecretName = z.string().regex(RESOLVABLE_NAME, { message: 'a value name is like POSTGRES_PASSWORD' });
export const SecretValues = z.record(SecretName, z.string());
export type SecretValues = z.infer<typeof SecretValues>;

export const Provider = z.enum(['USER', 'AUTO_MANAGED']);
export type Provider = z.infer<typeof Provider>;

/** `resolve`: receive a credential through a workspace's resolution (vault.secret.resolve), not by reading its path. */
export const Capability = z.enum(['read', 'write', 'list', 'delete', 'destroy', 'resolve']);
export type Capability = z.infer<typeof Capability>;

/**
 * Tags travel in the audit events of a write: a key named like a secret (`token`, `db_password`) would
 * make hatch park the event as carrying one, leaving the write out of HATCH for good. Refused here.
 */
const TagKey = z
  .string()
  .regex(/^[a-z0-9_.-]{1,63}$/)
  .refine((key) => !isSecretFieldName(key), { message: 'a tag may not be named like a secret (token, password, …)' });
const tags = z
  .record(TagKey, z.string().max(256))
  .superRefine((tags, ctx) => {
    const category = tags[CATEGORY_TAG];
    if (category !== undefined && !SecretCategory.safeParse(category).success) {
      ctx.addIssue({
        code: 'custom',
        path: [CATEGORY_TAG],
        message: `a category is one of ${SecretCategory.options.join(', ')}`,
      });
    }
    const prefix = tags[ENV_PREFIX_TAG];
    if (prefix !== undefined && !ENV_PREFIX_PATTERN.test(prefix)) {
      ctx.addIssue({
        code: 'custom',
        path: [ENV_PREFIX_TAG],
        message: 'an env prefix is like POSTGRES or WAREHOUSE_DB',
      });
    }
  })
  .default({});

/** A write as its caller states it, values in clear: never sent like this (see SecretWriteRequest). */
export const SecretWrite = z
  .object({
    path: SecretPath,
    values: SecretValues,
    provider: Provider.default('USER'),
    /** What the values are (credential-types.ts): checked against the type's fields; fixed for the path's life. */
    type: CredentialTypeName.default(GENERIC_TYPE),
    environment: Environment.default(DEFAULT_ENVIRONMENT),
    /** Rotate every N days (AUTO_MANAGED only: the vault makes the new value). */
    rotation_days: RotationDays.nullable().optional(),
    tags,
    description: z.string().max(1024).optional(),
    expires_at: z.iso.datetime().optional(),
    /** Check-and-set: the version the writer expects to be current (0: the path must be new). */
    cas: z.number().int().nonnegative().optional(),
  })
  .strict();
export type SecretWrite = z.input<typeof SecretWrite>;
/** A write once parsed (and, in the vault, opened), defaults applied. */
export type ParsedSecretWrite = z.output<typeof SecretWrite>;

/**
 * What is sealed to the vault's seal key: the values with the path they are for, so that a sealed
 * box lifted from one request opens for no other path (VAULT.BAD_SEAL).
 */
export const SealedValues = z.object({ path: SecretPath, values: SecretValues }).strict();
export type SealedValues = z.infer<typeof SealedValues>;

/**
 * A write on the wire: `sealed_values` is SealedValues sealed (crypto_box_seal) to the vault's seal
 * public key, which callers pin from configuration. A request with `values` in clear is refused
 * (VAULT.UNSEALED_VALUE). Bounded: the documented 64 KiB of values, JSON-escaped at worst, in base64.
 */
export const SecretWriteRequest = SecretWrite.omit({ values: true })
  .extend({ sealed_values: z.base64().max(600_000) })
  .strict();
export type SecretWriteRequest = z.input<typeof SecretWriteRequest>;

export const SecretReadRequest = z
  .object({ path: SecretPath, version: z.number().int().positive().optional() })
  .strict();
export type SecretReadRequest = z.infer<typeof SecretReadRequest>;

export const SecretPathRequest = z.object({ path: SecretPath }).strict();
/** A list, narrowed by type, environment, active flag, or expiry within the next N seconds. */
export const SecretListRequest = z
  .object({
    prefix: ListPrefix.default(''),
    type: CredentialTypeName.optional(),
    environment: Environment.optional(),
    active: z.boolean().optional(),
    expiring_within_seconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86_400)
      .optional(),
  })
  .strict();
export type SecretListRequest = z.input<typeof SecretListRequest>;
export const SecretVersionsChange = z
  .object({ path: SecretPath, versions: z.array(z.number().int().positive()).min(1).max(100) })
  .strict();
export const SecretDestroyRequest = z
  .object({ path: SecretPath, versions: z.array(z.number().int().positive()).min(1).max(100).optional() })
  .strict();

export const SecretVersionInfo = z
  .object({
    version: z.number().int().positive(),
    created_at: z.iso.datetime(),
    created_by: z.string(),
    deleted: z.boolean(),
    destroyed: z.boolean(),
  })
  .strict();
export type SecretVersionInfo = z.infer<typeof SecretVersionInfo>;

/** What anyone with `list` may see of a secret: never a value. */
export const SecretMetadata = z
  .object({
    path: SecretPath,
    current_version: z.number().int().nonnegative(),
    provider: Provider,
    tags: z.record(z.string(), z.string()),
    description: z.string().nullable(),
    expires_at: z.iso.datetime().nullable(),
    value_names: z.array(z.string()),
    updated_at: z.iso.datetime(),
    type: CredentialTypeName,
    /** A custom type's version the current value was checked against (null: a system type or generic). */
    type_version: z.number().int().positive().nullable(),
    environment: Environment,
    active: z.boolean(),
    /** The values of the type's metadata fields (host, port, username…): never a password or hidden field. */
    fields: z.record(z.string(), z.string()),
    last_tested: z.iso.datetime().nullable(),
    test_status: TestStatus.nullable(),
    test_message: z.string().nullable(),
    rotation_days: z.number().int().nullable(),
    next_rotation_at: z.iso.datetime().nullable(),
    /** The version a rotation in flight will promote (AUTO_MANAGED: waiting for its sidecar). */
    pending_version: z.number().int().positive().nullable(),
    last_rotated_at: z.iso.datetime().nullable(),
  })
  .strict();
export type SecretMetadata = z.infer<typeof SecretMetadata>;

export const SecretWritten = z.object({ path: SecretPath, version: z.number().int().positive() }).strict();
export type SecretWritten = z.infer<typeof SecretWritten>;

/** The reply to a read: the values sealed to the caller's key, and the id of the read's audit event. */
export const SealedSecret = z
  .object({
    path: SecretPath,
    version: z.number().int().positive(),
    sealed: z.base64(),
    read_event_id: z.uuid(),
  })
  .strict();
export type SealedSecret = z.infer<typeof SealedSecret>;

/** A principal's name: at most 63 characters, so a request naming a longer one is refused before any lookup. */
export const PrincipalName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);
export const PrincipalCreateRequest = z.object({ name: PrincipalName, public_key: z.base64().max(64) }).strict();
export const PolicyRule = z
  .object({
    pattern: PathPattern,
    capabilities: z.array(Capability).min(1),
    effect: z.enum(['allow', 'deny']).default('allow'),
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRule>;
export const PolicyGrantRequest = z.object({ principal: PrincipalName, rule: PolicyRule }).strict();
export const PrincipalRevokeRequest = z.object({ name: PrincipalName }).strict();
export const PolicyRevokeRequest = z.object({ principal: PrincipalName, pattern: StoredPathPattern }).strict();

export const VaultSubjects = {
  write: 'vault.secret.write',
  read: 'vault.secret.read',
  resolve: 'vault.secret.resolve',
  list: 'vault.secret.list',
  versions: 'vault.secret.versions',
  delete: 'vault.secret.delete',
  undelete: 'vault.secret.undelete',
  destroy: 'vault.secret.destroy',
  principalCreate: 'vault.principal.create',
  principalRevoke: 'vault.principal.revoke',
  sessionOpen: 'vault.session.open',
  policyGrant: 'vault.policy.grant',
  policyRevoke: 'vault.policy.revoke',
} as const;
