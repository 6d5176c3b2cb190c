import {
  AuditEmitterEnv,
  busKeysEnv,
  loadConfig,
  operatorRolesEnv,
  PlatformEnv,
  PortSchema,
} from '@hearth/platform/config';
import { CONSOLE_PRINCIPAL } from '@hearth/contracts';
import { z } from 'zod';

export const VaultEnv = PlatformEnv.extend({
  ...AuditEmitterEnv,
  /** The operators' HTTP API (metadata only), authenticated by console bearer tokens. */
  VAULT_PORT: PortSchema.default(7701),
  VAULT_HOST: z.string().default('127.0.0.1'),
  /** Operator roles that may read secret metadata over HTTP. */
  VAULT_OPERATOR_ROLES: operatorRolesEnv('admin,operator'),
  /** How long the console's answer about a token is trusted. */
  VAULT_TOKEN_CACHE_SECONDS: z.coerce.number().nonnegative().default(30),
  /**
   * How long the console's answer about a workspace's team and org is trusted by a resolution (an
   * unknown workspace is asked again every time), so how long a moved workspace resolves under its old team.
   */
  VAULT_TENANCY_CACHE_MS: z.coerce.number().int().nonnegative().default(5000),
  VAULT_DATABASE: z.string().default('hearth_vault'),
  /** KEKs: `id:<base64 32 bytes>,…` with VAULT_ACTIVE_KEK, or a JSON key file. No default key. */
  VAULT_KEKS: z.string().optional(),
  VAULT_ACTIVE_KEK: z.string().optional(),
  VAULT_KEK_FILE: z.string().optional(),
  /** The ed25519 public key (base64) of the `root` principal, allowed everything. */
  VAULT_ROOT_PUBLIC_KEY: z.base64().min(40),
  /** The driver's principal, made at start with write, list, destroy and resolve on hearth/*, and resolve on team/* and org/*, when its key is set. */
  VAULT_DRIVER_PRINCIPAL: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/)
    .refine((name) => name !== 'root' && name !== CONSOLE_PRINCIPAL, {
      message: `cannot be root or ${CONSOLE_PRINCIPAL}`,
    })
    .default('driver-localdocker'),
  VAULT_DRIVER_PUBLIC_KEY: z.base64().min(40).optional(),
  /**
   * The web console's principal (`console`), made at start with CONSOLE_RULES when its key is set:
   * write on every scope's credentials and on leases, delete on leases, never read.
   */
  VAULT_CONSOLE_PUBLIC_KEY: z.base64().min(40).optional(),
  /**
   * The vault's X25519 seal key (base64, 32 bytes; VAULT_SEAL_KEY_FILE works): callers seal the values
   * of their writes to its public half, VAULT_SEAL_PUBLIC_KEY in their configuration. No default.
   */
  VAULT_SEAL_KEY: z.base64().length(44),
  /** How many principals (unknown names included) the lookup cache holds at most. */
  VAULT_PRINCIPAL_CACHE_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** How long a session (one signed handshake, then MACed requests) lives. */
  VAULT_SESSION_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  /** Live sessions one principal may hold at once. */
  VAULT_SESSIONS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(100_000).default(256),
  /** How many versions of a secret are kept before older ones are crypto-shredded. */
  VAULT_KEEP_VERSIONS: z.coerce.number().int().min(1).max(1000).default(10),
  /** The lease sweeper: how often it revokes expired leases (also at start), so how long one may outlive its TTL. */
  VAULT_LEASE_SWEEP_SECONDS: z.coerce.number().positive().default(5),
  /** How often scheduled root rotations are started and rotations left in flight settled. */
  VAULT_ROTATION_CHECK_SECONDS: z.coerce.number().positive().default(60),
  /** A claim of credential work (the driver's rotations and sidecar checks) unreported for this long is handed out again. */
  VAULT_CREDENTIAL_WORK_CLAIM_SECONDS: z.coerce.number().positive().default(30),
  /** Failed revocations of a lease before it is `irrevocable`, left to an operator. */
  VAULT_LEASE_REVOKE_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(12),
  /** A failed revocation is retried after a random delay below base·2^(failures-1), at most the cap. */
  VAULT_LEASE_RETRY_BASE_SECONDS: z.coerce.number().positive().default(1),
  VAULT_LEASE_RETRY_CAP_SECONDS: z.coerce.number().positive().default(60),
  /** How long a lease intent may stay `creating` before the sweeper takes it for a crash (longer than any issue takes). */
  VAULT_LEASE_CREATING_SECONDS: z.coerce.number().positive().default(60),
  /** How long a credential's test may take (connect and log in) before it is TIMEOUT. */
  VAULT_CREDENTIAL_TEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** A sidecar credential's check waits for its driver to claim it (it polls) and log in by exec (a CLI may take seconds to start). */
  VAULT_SIDECAR_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  ...busKeysEnv('VAULT_SIGNING_KEY'),
});
export type VaultConfig = z.infer<typeof VaultEnv>;

export function loadVaultConfig(env: NodeJS.ProcessEnv = process.env): VaultConfig {
  return loadConfig(VaultEnv, env);
}

/** The rewrap needs the vault's database and KEKs only, not its principals or ports. */
export const RewrapEnv = PlatformEnv.extend({
  ...VaultEnv.pick({ VAULT_DATABASE: true, VAULT_KEKS: true, VAULT_ACTIVE_KEK: true, VAULT_KEK_FILE: true }).shape,
  /** Versions moved per transaction. */
  VAULT_REWRAP_BATCH: z.coerce.number().int().min(1).max(10_000).default(100),
  /** How long to wait, in all, for versions other transactions hold locked before exiting non-zero. */
  VAULT_REWRAP_WAIT_SECONDS: z.coerce.number().nonnegative().default(60),
});
export type RewrapConfig = z.infer<typeof RewrapEnv>;

export function loadRewrapConfig(env: NodeJS.ProcessEnv = process.env): RewrapConfig {
  return loadConfig(RewrapEnv, env);
}
