import { loadConfig, PlatformEnv } from '@hearth/platform/config';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The driver's settings. It owns no database (Docker labels are its state), so of the platform's
 * settings it takes NATS and logging only. Its vault identity has no default: either a key file as
 * `hearth principal create --out` writes it, or the principal's name and secret key in the environment.
 */
export const DriverEnv = PlatformEnv.pick({ NATS_URL: true, NATS_NKEY_SEED: true, LOG_LEVEL: true })
  .extend({
    /** Names this driver's containers and networks (label hearth.instance); another instance's are never touched. */
    DRIVER_INSTANCE: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/)
      .default('default'),
    /** JSON `{name, publicKey, secretKey}` of the driver's vault principal. */
    DRIVER_VAULT_KEY_FILE: z.string().min(1).optional(),
    /** Or: the principal's name … */
    DRIVER_VAULT_ACTOR: z.string().min(1).optional(),
    /** … and its ed25519 secret key, base64 of libsodium's 64 bytes (seed ‖ public key). */
    DRIVER_VAULT_SECRET_KEY: z.base64().optional(),
    /** How long a sidecar may take to answer its readiness check. */
    DRIVER_READY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    /** How long NATS waits for the ack of a command before delivering it again (a driver that died on it). */
    DRIVER_ACK_WAIT_SECONDS: z.coerce.number().int().min(2).max(3_600).default(30),
    /** Seconds between reconcile passes (one always runs on start); 0: on start only. */
    DRIVER_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  })
  .refine(
    (env) =>
      (env.DRIVER_VAULT_KEY_FILE !== undefined) !==
      (env.DRIVER_VAULT_ACTOR !== undefined && env.DRIVER_VAULT_SECRET_KEY !== undefined),
    {
      message: 'set DRIVER_VAULT_KEY_FILE, or DRIVER_VAULT_ACTOR with DRIVER_VAULT_SECRET_KEY (not both)',
      path: ['DRIVER_VAULT_KEY_FILE'],
    },
  );
export type DriverConfig = z.infer<typeof DriverEnv>;

export function loadDriverConfig(env: NodeJS.ProcessEnv = process.env): DriverConfig {
  return loadConfig(DriverEnv, env);
}

/** The driver's identity toward the vault. */
export interface VaultIdentity {
  actor: string;
  keys: { publicKey: string; secretKey: string };
}

const KeyFile = z.object({ name: z.string().min(1), publicKey: z.base64(), secretKey: z.base64() }).strict();

/** Reads the driver's vault principal; errors name the setting, never a key. */
export function loadVaultIdentity(config: DriverConfig): VaultIdentity {
  let actor: string;
  let secretKey: string;
  if (config.DRIVER_VAULT_KEY_FILE !== undefined) {
    let parsed;
    try {
      parsed = KeyFile.parse(JSON.parse(readFileSync(config.DRIVER_VAULT_KEY_FILE, 'utf8')));
    } catch {
      throw new Error(`DRIVER_VAULT_KEY_FILE: ${config.DRIVER_VAULT_KEY_FILE} is not a readable principal key file`);
    }
    actor = parsed.name;
    secretKey = parsed.secretKey;
  } else {
    actor = config.DRIVER_VAULT_ACTOR!;
    secretKey = config.DRIVER_VAULT_SECRET_KEY!;
  }
  const raw = Buffer.from(secretKey, 'base64');
  if (raw.length !== 64) throw new Error('the driver’s vault secret key must be 64 bytes (seed ‖ public key), base64');
  return { actor, keys: { publicKey: raw.subarray(32).toString('base64'), secretKey } };
}
