import {
  CONSOLE_PRINCIPAL,
  cryptoReady,
  generatePrincipalKeys,
  generateSealKeys,
  type PrincipalKeys,
} from '@hearth/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database.js';
import { createHatchStream } from './jetstream.js';
import { freePort, type TestNats } from './nats-server.js';
import { startService, type ServiceProcess } from './service-process.js';
import { sharedServiceKeys } from './service-keys.js';

export type HearthServiceName = 'console' | 'vault' | 'hatch' | 'driver-localdocker';

/** A built service running as a process of the test's own. */
export interface RunningService {
  process: ServiceProcess;
  /** Every process it ran, `process` last: what a restarted service said before is kept. */
  readonly runs: ServiceProcess[];
  /** Its own database, dropped by stop() (the driver has none). */
  db?: TestDatabase;
  /** Its HTTP edge (the driver has none). */
  url?: string;
  /**
   * Starts it again once its process has ended (a crash test kills it with SIGKILL): the same
   * database, port, keys and settings, as an operator's restart would; `env` overrides settings for
   * this run and those after it (`HEARTH_FAILPOINTS: ''` disarms what the last run was started with).
   */
  restart(env?: Record<string, string>): Promise<void>;
  /**
   * Another process of the service beside this one, as a replica runs: the same database, NATS, keys
   * and settings, on an HTTP port of its own; `env` adds to them. Its stop() ends its own process and
   * leaves the database to this one.
   */
  replica(env?: Record<string, string>): Promise<RunningService>;
  stop(): Promise<void>;
}

interface ServiceShape {
  /** The prefix of its throwaway database, and the setting that names it. */
  database?: { prefix: string; setting: string };
  /** The setting of its HTTP port. */
  port?: string;
  /** What every run of it needs that a test would otherwise copy: keys, levels. */
  defaults: () => Record<string, string>;
}

const SHAPES: Record<HearthServiceName, ServiceShape> = {
  // LOG_LEVEL stays at least info: the 'ready' line is logged at info.
  console: {
    database: { prefix: 'hearth_console', setting: 'CONSOLE_DATABASE' },
    port: 'CONSOLE_PORT',
    defaults: () => ({ LOG_LEVEL: 'info', ...sharedServiceKeys().env('console') }),
  },
  // Logging at debug, so a test can scan everything the vault says for a canary.
  vault: {
    database: { prefix: 'hearth_vault', setting: 'VAULT_DATABASE' },
    port: 'VAULT_PORT',
    defaults: () => ({
      VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
      VAULT_ACTIVE_KEK: 'k1',
      LOG_LEVEL: 'debug',
      ...sharedServiceKeys().env('vault'),
    }),
  },
  hatch: {
    database: { prefix: 'hearth_hatch', setting: 'HATCH_DATABASE' },
    port: 'HATCH_PORT',
    defaults: () => ({ LOG_LEVEL: 'info', ...sharedServiceKeys().env('hatch') }),
  },
  'driver-localdocker': { defaults: () => ({ LOG_LEVEL: 'debug', ...sharedServiceKeys().env('driver-localdocker') }) },
};

/**
 * The test's NATS as a service is given it: a URL (an anonymous server), or the server itself, whose
 * seed of the service's own identity the service then connects with.
 */
export type ServiceNats = string | TestNats;

function natsSettings(name: HearthServiceName, nats: ServiceNats): Record<string, string> {
  if (typeof nats === 'string') return { NATS_URL: nats };
  return { NATS_URL: nats.url, ...(nats.seeds ? { NATS_NKEY_SEED: nats.seeds[name] } : {}) };
}

/**
 * The built service `name` as a process of the test's own, on the test's NATS: its own throwaway
 * database and a free port where it has them, fresh keys where it needs them (the bus signing keys
 * of sharedServiceKeys(), unless `env` names others). `env` adds to or overrides any of that.
 */
export async function startServiceProcess(
  name: HearthServiceName,
  nats: ServiceNats,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const shape = SHAPES[name];
  const db = shape.database ? await createTestDatabase(shape.database.prefix) : undefined;
  const port = shape.port ? await freePort() : undefined;
  const settings = {
    ...natsSettings(name, nats),
    ...(db && shape.database ? { [shape.database.setting]: db.name } : {}),
    ...(port && shape.port ? { [shape.port]: String(port) } : {}),
    ...shape.defaults(),
    ...env,
  };
  try {
    return await launchService(name, settings, db);
  } catch (error) {
    await db?.drop();
    throw error;
  }
}

/** Runs `name` with `initial` settings; stop() drops `db`, the database this run owns (a replica owns none). */
async function launchService(
  name: HearthServiceName,
  initial: Record<string, string>,
  db: TestDatabase | undefined,
): Promise<RunningService> {
  const portSetting = SHAPES[name].port;
  let settings = initial;
  const launch = () =>
    startService(resolve(import.meta.dirname, `../../../services/${name}/dist/main.js`), settings, `${name} ready`);
  const first = await launch();
  const running: RunningService = {
    process: first,
    runs: [first],
    ...(db ? { db } : {}),
    ...(portSetting ? { url: `http://127.0.0.1:${settings[portSetting]}` } : {}),
    restart: async (env = {}) => {
      settings = { ...settings, ...env };
      running.process = await launch();
      running.runs.push(running.process);
    },
    replica: async (env = {}) =>
      launchService(
        name,
        { ...settings, ...(portSetting ? { [portSetting]: String(await freePort()) } : {}), ...env },
        undefined,
      ),
    stop: async () => {
      await running.process.kill();
      await db?.drop();
    },
  };
  return running;
}

export interface RunningConsole extends RunningService {
  db: TestDatabase;
  url: string;
  adminToken: string;
}

/** The console, with a fresh bootstrap admin token. */
export async function startConsoleProcess(
  nats: ServiceNats,
  env: Record<string, string> = {},
): Promise<RunningConsole> {
  await standInForHatch(nats);
  const adminToken = randomBytes(24).toString('base64url');
  const running = await startServiceProcess('console', nats, { HEARTH_BOOTSTRAP_ADMIN_TOKEN: adminToken, ...env });
  return Object.assign(running, { db: running.db!, url: running.url!, adminToken });
}

export interface RunningVault extends RunningService {
  db: TestDatabase;
  /** The operators' HTTP API (metadata only). */
  url: string;
  /** The keys of the vault's `root` principal, allowed everything. */
  rootKeys: PrincipalKeys;
  /** The vault's seal public key, which its callers pin (VAULT_SEAL_PUBLIC_KEY): writes seal their values to it. */
  sealPublicKey: string;
}

/** The vault, with a fresh KEK, root key pair and seal key pair, and HATCH as hatch would make it. */
export async function startVaultProcess(nats: ServiceNats, env: Record<string, string> = {}): Promise<RunningVault> {
  await cryptoReady();
  await standInForHatch(nats);
  const rootKeys = generatePrincipalKeys();
  const seal = generateSealKeys();
  const running = await startServiceProcess('vault', nats, {
    VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
    VAULT_SEAL_KEY: seal.secretKey,
    ...env,
  });
  return Object.assign(running, { db: running.db!, url: running.url!, rootKeys, sealPublicKey: seal.publicKey });
}

/** The console's own vault principal, as `hearth init` and `hearth up` give it to the vault and the console. */
export interface ConsolePrincipal {
  keys: PrincipalKeys;
  /** What makes the vault create it at start, with its rules (VAULT_CONSOLE_PUBLIC_KEY). */
  vaultEnv: Record<string, string>;
  /** What the console signs its writes to the vault with, and the seal key it serves the browser. */
  consoleEnv(vault: Pick<RunningVault, 'sealPublicKey'>): Record<string, string>;
}

/** A fresh key pair for the console's vault principal: start the vault with `vaultEnv`, then the console with `consoleEnv(vault)`. */
export async function consolePrincipal(): Promise<ConsolePrincipal> {
  await cryptoReady();
  const keys = generatePrincipalKeys();
  return {
    keys,
    vaultEnv: { VAULT_CONSOLE_PUBLIC_KEY: keys.publicKey },
    consoleEnv: (vault) => ({
      CONSOLE_PRINCIPAL_KEY: JSON.stringify({ name: CONSOLE_PRINCIPAL, ...keys }),
      VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
    }),
  };
}

/**
 * The HATCH stream, made as hatch would make it, for a test that runs the vault or the console (which
 * wait for it: only hatch makes it) without hatch, or starts hatch later.
 */
async function standInForHatch(nats: ServiceNats): Promise<void> {
  const nc = typeof nats === 'string' ? await connect({ servers: nats }) : await nats.connect('admin');
  try {
    await createHatchStream(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

export interface RunningHatch extends RunningService {
  db: TestDatabase;
  url: string;
}

/** Hatch, with a fresh checkpoint signing key unless `env` names one. */
export async function startHatchProcess(nats: ServiceNats, env: Record<string, string> = {}): Promise<RunningHatch> {
  const running = await startServiceProcess('hatch', nats, env);
  return Object.assign(running, { db: running.db!, url: running.url! });
}

/**
 * The driver; `env` must say who it is to the vault (DRIVER_VAULT_KEY_FILE), the vault's seal public
 * key (VAULT_SEAL_PUBLIC_KEY) and its DRIVER_INSTANCE.
 */
export function startDriverProcess(nats: ServiceNats, env: Record<string, string>): Promise<RunningService> {
  return startServiceProcess('driver-localdocker', nats, env);
}
