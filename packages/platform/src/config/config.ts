import { OperatorRole, ServiceKeysJson } from '@hearth/contracts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's config schema; names keys, never values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `env` once against `schema` and fails fast. The message names each offending variable and
 * why, but never echoes a value: a mistyped secret must not end up in a crash log.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(withFileSettings(schema, env));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/**
 * Any setting `X` of the schema may come from the file named by `X_FILE` (as official images read
 * `POSTGRES_PASSWORD_FILE`), so a token or key never has to sit in a process's environment, where
 * `docker inspect` and /proc show it. A schema that declares `X_FILE` itself reads that file its own way.
 */
function withFileSettings(schema: z.ZodType, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const fromFiles: NodeJS.ProcessEnv = {};
  for (const key of keys) {
    const file = env[`${key}_FILE`];
    if (file === undefined || keys.includes(`${key}_FILE`)) continue;
    // Two sources of one setting: refused rather than one silently winning, as official images do.
    if (env[key] !== undefined)
      throw new ConfigError(`invalid configuration:\n  ${key}: set it or ${key}_FILE, not both`);
    try {
      fromFiles[key] = readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`invalid configuration:\n  ${key}_FILE: cannot read ${file}`);
    }
  }
  return { ...env, ...fromFiles };
}

const port = z.coerce.number().int().min(1).max(65_535);

/** Settings every service shares; the defaults are the ones in DESIGN.md and are never secrets. */
export const PlatformEnv = z.object({
  /** One NATS server, or a cluster's nodes comma-separated (`nats://a:4222,nats://b:4222`): the client reconnects among them. */
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /**
   * The replicas of each JetStream stream the service owns (HATCH, DRIVER_COMMANDS, DRIVER_EVENTS,
   * PARKED): 3 on a three-node cluster (infra/README.md), so a stream outlives one node; 1 on a lone server.
   */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** The seed of the process's own NATS identity (infra/nats.conf), best by NATS_NKEY_SEED_FILE; none: anonymous. */
  NATS_NKEY_SEED: z.string().min(1).optional(),
  PGHOST: z.string().default('127.0.0.1'),
  PGPORT: port.default(5432),
  PGUSER: z.string().default('postgres'),
  PGPASSWORD: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type PlatformEnv = z.infer<typeof PlatformEnv>;

/** The settings of a service that emits audit events (the vault, the console). */
export const AuditEmitterEnv = {
  /** Each published audit event is kept this long, for hatch to ask for again if it goes missing. */
  AUDIT_JOURNAL_RETENTION_SECONDS: z.coerce
    .number()
    .positive()
    .default(7 * 24 * 3600),
};

export { port as PortSchema };

/** A comma-separated list of console token roles in an env variable (`admin,auditor`), `fallback` when unset. */
export function operatorRolesEnv(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text) => text.split(',').map((role) => role.trim()))
    .pipe(z.array(OperatorRole).min(1));
}

/**
 * What a service needs to sign on the bus and to check what others signed: its own ed25519 key
 * (`signingKey`, PEM PKCS#8, e.g. CONSOLE_SIGNING_KEY) and every service's public key, pinned in
 * HEARTH_SERVICE_KEYS (JSON, as `hearth init` writes service-keys.json). No defaults.
 */
export function busKeysEnv<K extends string>(signingKey: K) {
  return {
    [signingKey]: z.string().min(1),
    HEARTH_SERVICE_KEYS: ServiceKeysJson,
  } as { [key in K]: z.ZodString } & { HEARTH_SERVICE_KEYS: typeof ServiceKeysJson };
}
