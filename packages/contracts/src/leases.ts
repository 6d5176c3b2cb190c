import { z } from 'zod';
import { boundedText, WIRE_LIMITS } from './bounds.js';
import { ErrorCode } from './errors.js';
import { Slug } from './slug.js';
import { SecretPath } from './vault.js';

/**
 * Dynamic Postgres credentials: engines (a Postgres server the vault mints users on, reached with a
 * root credential it keeps as a secret), roles (what a leased user is made of) and leases (one user,
 * for a while). Every resource has a policy path, matched like a secret's:
 *
 * - `db/engines/<engine>` — configure and rotate-root (`write`), delete (`delete`), get, list and health (`list`);
 * - `db/roles/<role>` — create or replace (`write`, and `write` on its engine, as whose admin its statements
 *   run), delete (`delete`), get and list (`list`);
 * - `db/creds/<role>` — issue a lease (`read`); a lease's id is its own path below it,
 *   `db/creds/<role>/<random>`: renew it (`read`), revoke it or a prefix of leases (`delete`), force it
 *   off the books (`destroy`), list them (`list`).
 */

/** An engine's or a role's name: one path segment, at most 32 characters. */
const RESOURCE_NAME = /^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$/;
export const EngineName = z.string().regex(RESOURCE_NAME, { message: 'an engine is named like reporting-db' });
export const LeaseRoleName = z.string().regex(RESOURCE_NAME, { message: 'a role is named like readonly' });

/**
 * Where every engine's root credential lives. No principal reads a secret below it, root included:
 * only the vault's own dynamic-credential machinery does, each read recorded like any other.
 */
export const ENGINE_CREDENTIAL_PREFIX = 'infra/postgres/';
export const isEngineCredentialPath = (path: string): boolean => path.startsWith(ENGINE_CREDENTIAL_PREFIX);
/** The values an engine's root credential holds. */
export const ENGINE_CREDENTIAL_VALUES = { username: 'username', password: 'password' } as const;

export const enginePath = (engine: string): string => `db/engines/${engine}`;
/** Where an engine's root credential lives unless its configuration says otherwise (below the same folder). */
export const engineRootPath = (engine: string): string => `${ENGINE_CREDENTIAL_PREFIX}${engine}/root`;
export const rolePath = (role: string): string => `db/roles/${role}`;
export const credsPath = (role: string): string => `db/creds/${role}`;

/** A lease id: `db/creds/<role>/<random>`, the lease's own policy path. */
export const LEASE_ID_PATTERN = /^db\/creds\/[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?\/[a-z0-9]{20,40}$/;
export const LeaseId = z.string().regex(LEASE_ID_PATTERN, { message: 'a lease id is db/creds/<role>/<id>' });

/** A revocation prefix: `db/creds/`, a role's `db/creds/<role>` or any longer prefix of a lease id. */
export const LeasePrefix = z
  .string()
  .max(80)
  .regex(/^db\/creds\/(?:[a-z0-9_-]{1,32}(?:\/[a-z0-9]{0,40})?)?$/, {
    message: 'a prefix is db/creds/, db/creds/<role> or the start of a lease id',
  });

/** Seconds: a TTL between one second and 31 days. */
export const TtlSeconds = z
  .number()
  .int()
  .min(1)
  .max(31 * 24 * 3600);

export const SslMode = z.enum(['disable', 'require', 'verify-full']);
export type SslMode = z.infer<typeof SslMode>;

/** A host name or an IP address: no user info, no port, no path. */
const Host = z
  .string()
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\[?[0-9a-fA-F:.]+\]?$/,
    {
      message: 'a host is a name or an address',
    },
  );
/** A Postgres database name as a connection names it. */
const DatabaseName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, { message: 'a database is named like reporting' });

/** An engine as its operator configures it (create or replace). */
export const EngineConfig = z
  .object({
    name: EngineName,
    host: Host,
    port: z.number().int().min(1).max(65535).default(5432),
    database: DatabaseName,
    sslmode: SslMode.default('require'),
    /**
     * The secret holding `username` and `password` of the role the vault logs in as (the engine's
     * admin): below `infra/postgres/<name>/` (default `infra/postgres/<name>/root`), so that who may
     * configure one engine cannot point it at another engine's root credential and have the vault
     * present that to a server of their choosing.
     */
    root_path: SecretPath.optional(),
    /** The workspace whose database this is, if any: its leases are listed and audited under it. */
    workspace: Slug.nullable().default(null),
    /** Rotate the root credential every N days (null: only when asked). */
    rotation_days: z.number().int().min(1).max(365).nullable().default(null),
  })
  .strict()
  .transform(({ root_path, ...engine }) => ({ ...engine, root_path: root_path ?? engineRootPath(engine.name) }))
  .refine((engine) => engine.root_path.startsWith(`${ENGINE_CREDENTIAL_PREFIX}${engine.name}/`), {
    message: `an engine's root credential lives below ${ENGINE_CREDENTIAL_PREFIX}<engine>/`,
    path: ['root_path'],
    params: { code: ErrorCode.EngineInvalidConfig },
  });
export type EngineConfig = z.input<typeof EngineConfig>;
export type ParsedEngineConfig = z.output<typeof EngineConfig>;

export const EngineNameRequest = z.object({ name: EngineName }).strict();
export const EngineDeleteRequest = z.object({ name: EngineName, force: z.boolean().default(false) }).strict();

/** What health answers: each step of reaching the engine, and a reason a person can act on (never a password). */
export const EngineHealth = z
  .object({
    name: EngineName,
    reachable: z.boolean(),
    root_login: z.boolean(),
    may_create_roles: z.boolean(),
    message: z.string().nullable(),
    checked_at: z.iso.datetime(),
  })
  .strict();
export type EngineHealth = z.infer<typeof EngineHealth>;

/** An engine as get and list show it. */
export const EngineInfo = z
  .object({
    name: EngineName,
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    sslmode: SslMode,
    root_path: SecretPath,
    workspace: Slug.nullable(),
    rotation_days: z.number().int().nullable(),
    /** The version of the root credential Postgres accepts. */
    root_version: z.number().int().nonnegative(),
    /** A root rotation started and not yet promoted or abandoned. */
    rotation_pending: z.boolean(),
    last_rotated_at: z.iso.datetime().nullable(),
    live_leases: z.number().int().nonnegative(),
    updated_at: z.iso.datetime(),
  })
  .strict();
export type EngineInfo = z.infer<typeof EngineInfo>;

/**
 * A statement template. `{{name}}` becomes the leased user's quoted identifier, `{{password}}` the
 * quoted SCRAM-SHA-256 verifier (never the password), `{{expiration}}` the quoted timestamp; written
 * with quotes around them (`"{{name}}"`, `'{{password}}'`) they mean the same. No other placeholder.
 */
export const Statement = boundedText(4096).min(1);
const Statements = z.array(Statement).max(16);

/** A role: what a leased user is made of. Empty revocation, renew and rollback statements mean the built-in ones. */
export const LeaseRole = z
  .object({
    name: LeaseRoleName,
    engine: EngineName,
    creation_statements: Statements.min(1),
    revocation_statements: Statements.default([]),
    renew_statements: Statements.default([]),
    rollback_statements: Statements.default([]),
    default_ttl: TtlSeconds.default(3600),
    max_ttl: TtlSeconds.default(24 * 3600),
    /** `{{role}}`, `{{random}}` (lowercase letters and digits) and `{{unix_time}}`: the result is a lowercase identifier of at most 63 characters. */
    username_template: z.string().min(1).max(128).default('v_{{role}}_{{random}}'),
  })
  .strict()
  .refine((role) => role.default_ttl <= role.max_ttl, {
    message: 'default_ttl may not exceed max_ttl',
    path: ['default_ttl'],
  });
export type LeaseRole = z.input<typeof LeaseRole>;
export type ParsedLeaseRole = z.output<typeof LeaseRole>;

export const LeaseRoleNameRequest = z.object({ name: LeaseRoleName }).strict();
export const LeaseRoleListRequest = z.object({ engine: EngineName.optional() }).strict();

export const LeaseRoleInfo = z
  .object({
    name: LeaseRoleName,
    engine: EngineName,
    creation_statements: z.array(z.string()),
    revocation_statements: z.array(z.string()),
    renew_statements: z.array(z.string()),
    rollback_statements: z.array(z.string()),
    default_ttl: z.number().int(),
    max_ttl: z.number().int(),
    username_template: z.string(),
    live_leases: z.number().int().nonnegative(),
    updated_at: z.iso.datetime(),
  })
  .strict();
export type LeaseRoleInfo = z.infer<typeof LeaseRoleInfo>;

/**
 * A lease's life: `creating` (its intent committed, the user maybe not yet made), `active`,
 * `revoked`, `irrevocable` (revocation kept failing; its last error is for an operator) and `forced`
 * (taken off the books by `revoke --force`: the user may still exist, which the operator must check).
 */
export const LeaseState = z.enum(['creating', 'active', 'revoked', 'irrevocable', 'forced']);
export type LeaseState = z.infer<typeof LeaseState>;

export const LeaseIssueRequest = z.object({ role: LeaseRoleName, ttl: TtlSeconds.optional() }).strict();
export const LeaseRenewRequest = z.object({ lease_id: LeaseId, ttl: TtlSeconds.optional() }).strict();
/** Revoke one lease or every lease under a prefix; `force` takes them off the books even while their database is unreachable. */
export const LeaseRevokeRequest = z
  .object({ lease_id: LeaseId.optional(), prefix: LeasePrefix.optional(), force: z.boolean().default(false) })
  .strict()
  .refine((r) => (r.lease_id === undefined) !== (r.prefix === undefined), {
    message: 'name a lease_id or a prefix, not both',
    path: ['lease_id'],
  });
export const LeaseListRequest = z
  .object({
    role: LeaseRoleName.optional(),
    engine: EngineName.optional(),
    workspace: Slug.optional(),
    state: LeaseState.optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** The reply to an issue: the password sealed to the caller's key (`{"password": …}`), the rest in clear. */
export const SealedLease = z
  .object({
    lease_id: LeaseId,
    username: z.string(),
    ttl: z.number().int(),
    expires_at: z.iso.datetime(),
    max_expires_at: z.iso.datetime(),
    sealed: z.base64(),
  })
  .strict();
export type SealedLease = z.infer<typeof SealedLease>;
/** What is inside `sealed`. */
export const LeasedPassword = z.object({ password: z.string().min(1) }).strict();

export const LeaseRenewed = z
  .object({ lease_id: LeaseId, ttl: z.number().int(), expires_at: z.iso.datetime(), max_expires_at: z.iso.datetime() })
  .strict();
export type LeaseRenewed = z.infer<typeof LeaseRenewed>;

export const LeasesRevoked = z
  .object({ revoked: z.array(LeaseId), forced: z.array(LeaseId), failed: z.array(LeaseId) })
  .strict();
export type LeasesRevoked = z.infer<typeof LeasesRevoked>;

/** A lease as list shows it: never a password. */
export const LeaseInfo = z
  .object({
    lease_id: LeaseId,
    role: LeaseRoleName,
    engine: EngineName,
    workspace: Slug.nullable(),
    username: z.string(),
    state: LeaseState,
    issued_by: z.string(),
    issued_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    max_expires_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
    attempts: z.number().int().nonnegative(),
    last_error: z.string().max(WIRE_LIMITS.text).nullable(),
  })
  .strict();
export type LeaseInfo = z.infer<typeof LeaseInfo>;

export const LeaseSubjects = {
  engineConfigure: 'vault.engine.configure',
  engineGet: 'vault.engine.get',
  engineList: 'vault.engine.list',
  engineHealth: 'vault.engine.health',
  engineDelete: 'vault.engine.delete',
  engineRotateRoot: 'vault.engine.rotate-root',
  roleCreate: 'vault.role.create',
  roleGet: 'vault.role.get',
  roleList: 'vault.role.list',
  roleDelete: 'vault.role.delete',
  leaseIssue: 'vault.lease.issue',
  leaseRenew: 'vault.lease.renew',
  leaseRevoke: 'vault.lease.revoke',
  leaseList: 'vault.lease.list',
} as const;
