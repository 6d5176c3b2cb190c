import { DEFAULT_ENGINE, DeploymentEngine, MAX_SIDECARS, MAX_WORKLOADS, PrincipalKeyFile } from '@hearth/contracts';
import { busKeysEnv, loadConfig, PlatformEnv } from '@hearth/platform/config';
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { z } from 'zod';
import { networkBlock, type SubnetPool } from './domain/network/subnet-pool.js';
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
 * The longest prefix whose subnet holds a workspace at its largest: every sidecar and workload the
 * contract allows, beside the network's own address, its broadcast and the gateway Docker reserves.
 */
const LONGEST_SUBNET_PREFIX = 32 - Math.ceil(Math.log2(MAX_SIDECARS + MAX_WORKLOADS + 3)); // 26

/**
 * The default pool, 10.64.0.0/15 in /26s: 2,048 workspaces of up to 61 containers. It lies outside
 * Docker's default pools (172.17–31.0.0/16, 192.168.0.0/16 in /20s), so networks made without a
 * subnet never compete for it, and away from the ranges other tools take by default (Kubernetes
 * 10.96.0.0/12 and 10.244.0.0/16, k3s 10.42–43.0.0/16, Podman 10.88.0.0/16, GCP 10.128.0.0/9,
 * Tailscale 100.64.0.0/10). A workspace network installs no route on the host (`inhibit_ipv4`), so
 * even where it overlaps a LAN the host's routing is unchanged.
 */
const DEFAULT_SUBNET_POOL = '10.64.0.0/15';

/**
 * The driver's settings. It owns no database (Docker labels are its state), so of the platform's
 * settings it takes NATS (PARKED, its stream, with NATS_STREAM_REPLICAS) and logging only. Its vault identity has no default: either a key file as
 * `hearth principal create --out` writes it, or the principal's name and secret key in the environment.
 */
export const DriverEnv = PlatformEnv.pick({
  NATS_URL: true,
  NATS_NKEY_SEED: true,
  NATS_STREAM_REPLICAS: true,
  LOG_LEVEL: true,
})
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
    /**
     * How long NATS waits for the ack of a command before delivering it again: how soon a restarted
     * driver takes back the command its killed predecessor held. Short, since a command that runs
     * longer is kept alive by working() every third of it (the work is idempotent by command id besides).
     */
    DRIVER_ACK_WAIT_SECONDS: z.coerce.number().int().min(2).max(3_600).default(5),
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
    /** IPv4 network (CIDR) the workspace networks take their subnets from. */
    DRIVER_SUBNET_POOL: z
      .string()
      .default(DEFAULT_SUBNET_POOL)
      .transform((text, context) => {
        const block = networkBlock(text);
        if (typeof block === 'string') {
          context.addIssue({
            code: 'custom',
            message: `an IPv4 network in CIDR notation, such as 10.64.0.0/15: ${block}`,
          });
          return z.NEVER;
        }
        return block;
      }),
    /** Prefix length of each workspace's subnet in the pool. */
    DRIVER_SUBNET_PREFIX: z.coerce
      .number()
      .int()
      .min(1)
      .max(LONGEST_SUBNET_PREFIX, {
        message: `at most ${LONGEST_SUBNET_PREFIX}: a workspace may hold ${MAX_SIDECARS} sidecars and ${MAX_WORKLOADS} workloads, beside the addresses Docker reserves`,
      })
      .default(LONGEST_SUBNET_PREFIX),
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
  )
  .refine((env) => env.DRIVER_SUBNET_PREFIX >= env.DRIVER_SUBNET_POOL.prefix, {
    message: 'shorter than the prefix of DRIVER_SUBNET_POOL: a workspace subnet must fit in the pool',
    path: ['DRIVER_SUBNET_PREFIX'],
  });
export type DriverConfig = z.infer<typeof DriverEnv>;

/** The pool the settings name. */
export function subnetPoolOf(config: DriverConfig): SubnetPool {
  return { block: config.DRIVER_SUBNET_POOL, subnetPrefix: config.DRIVER_SUBNET_PREFIX };
}

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

/** Reads the driver's vault principal; errors name the setting, never a key. */
export function loadVaultIdentity(config: DriverConfig): VaultIdentity {
  let actor: string;
  let secretKey: string;
  if (config.DRIVER_VAULT_KEY_FILE !== undefined) {
    let parsed;
    try {
      parsed = PrincipalKeyFile.parse(JSON.parse(readFileSync(config.DRIVER_VAULT_KEY_FILE, 'utf8')));
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
