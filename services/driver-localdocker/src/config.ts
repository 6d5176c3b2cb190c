import { DEFAULT_ENGINE, DeploymentEngine } from '@hearth/contracts';
import { busKeysEnv, loadConfig, PlatformEnv } from '@hearth/platform/config';
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { z } from 'zod';
import type { BindRoot } from './domain/plan/container-rules.js';

/**
 * `path` or `path:ro` (read-only, the default) or `path:rw`: an absolute path without `..` or `:`
 * (the engine's bind syntax separates with it).
 */
const BindRootSetting = z
  .string()
  .trim()
  .regex(/^\/[^:]*(:r[ow])?$/, 'an absolute path without :, optionally followed by :ro or :rw')
  .refine((entry) => !entry.split(/[/:]/).includes('..'), 'no .. in a bind root')
  .transform((entry): BindRoot => {
    const mode = /:(r[ow])$/.exec(entry)?.[1];
    const path = mode === undefined ? entry : entry.slice(0, -3);
    return { path: posix.normalize(path), writable: mode === 'rw' };
  });

/**
 * The driver's settings. It owns no database (Docker labels are its state), so of the platform's
 * settings it takes NATS and logging only. Its vault identity has no default: either a key file as
 * `hearth principal create --out` writes it, or the principal's name and secret key in the environment.
 */
export const DriverEnv = PlatformEnv.pick({ NATS_URL: true, NATS_NKEY_SEED: true, LOG_LEVEL: true })
  .extend({
    /**
     * The engine this driver runs (one driver per engine): it takes the commands addressed to it
     * (`cmd.localdocker.<instance>.>`, its own durable consumer) and labels what it makes with it
     * (hearth.instance); another instance's containers, networks and credentials are never touched.
     */
    DRIVER_INSTANCE: DeploymentEngine.default(DEFAULT_ENGINE),
    /** JSON `{name, publicKey, secretKey}` of the driver's vault principal. */
    DRIVER_VAULT_KEY_FILE: z.string().min(1).optional(),
    /** Or: the principal's name … */
    DRIVER_VAULT_ACTOR: z.string().min(1).optional(),
    /** … and its ed25519 secret key, base64 of libsodium's 64 bytes (seed ‖ public key). */
    DRIVER_VAULT_SECRET_KEY: z.base64().optional(),
    /** The vault's seal public key (VAULT_SEAL_PUBLIC_KEY_FILE works), pinned here: generated values are sealed to it. */
    VAULT_SEAL_PUBLIC_KEY: z.base64().length(44),
    /** How long a sidecar may take to answer its readiness check. */
    DRIVER_READY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    /** How long NATS waits for the ack of a command before delivering it again (a driver that died on it). */
    DRIVER_ACK_WAIT_SECONDS: z.coerce.number().int().min(2).max(3_600).default(30),
    /**
     * Host directories sidecars may bind from, comma-separated, each `path`, `path:ro` or `path:rw`
     * (read-only unless `:rw`). Empty, the default: no bind mounts at all.
     */
    DRIVER_BIND_ROOTS: z
      .string()
      .default('')
      .transform((value) => value.split(',').filter((entry) => entry.trim() !== ''))
      .pipe(z.array(BindRootSetting)),
    /**
     * Where `hearth init` keeps Hearth's keys and tokens (as for the CLI: `.hearth` in the working
     * directory by default): no sidecar binds it, whatever DRIVER_BIND_ROOTS allows.
     */
    HEARTH_HOME: z
      .string()
      .min(1)
      .default('.hearth')
      .transform((home) => resolve(home)),
    /** Seconds between reconcile passes (one always runs on start); 0: on start only. */
    DRIVER_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Seconds between polls of the vault for credential work (rotations, checks of sidecar credentials); 0: never. */
    DRIVER_CREDENTIAL_WORK_SECONDS: z.coerce.number().min(0).max(3_600).default(2),
    ...busKeysEnv('DRIVER_SIGNING_KEY'),
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
  /** The vault's seal public key: the values of writes are sealed to it. */
  vaultSealKey: string;
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
  return {
    actor,
    keys: { publicKey: raw.subarray(32).toString('base64'), secretKey },
    vaultSealKey: config.VAULT_SEAL_PUBLIC_KEY,
  };
}
