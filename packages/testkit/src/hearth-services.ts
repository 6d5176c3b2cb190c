import { cryptoReady, generatePrincipalKeys, type PrincipalKeys } from '@hearth/contracts';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database.js';
import { freePort } from './nats-server.js';
import { startService, type ServiceProcess } from './service-process.js';

export interface RunningConsole {
  process: ServiceProcess;
  db: TestDatabase;
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

/**
 * The built console as a process of the test's own: its own database, a free port, a fresh
 * bootstrap admin token. `env` adds to or overrides its settings (LOG_LEVEL stays at least info:
 * the 'console ready' line is logged at info).
 */
export async function startConsoleProcess(natsUrl: string, env: Record<string, string> = {}): Promise<RunningConsole> {
  const db = await createTestDatabase('hearth_console');
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  try {
    const process = await startService(
      resolve(import.meta.dirname, '../../../services/console/dist/main.js'),
      {
        NATS_URL: natsUrl,
        CONSOLE_DATABASE: db.name,
        CONSOLE_PORT: String(port),
        HEARTH_BOOTSTRAP_ADMIN_TOKEN: adminToken,
        LOG_LEVEL: 'info',
        ...env,
      },
      'console ready',
    );
    return {
      process,
      db,
      url: `http://127.0.0.1:${port}`,
      adminToken,
      stop: async () => {
        await process.kill();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

export interface RunningVault {
  process: ServiceProcess;
  db: TestDatabase;
  /** The operators' HTTP API (metadata only). */
  url: string;
  /** The keys of the vault's `root` principal, allowed everything. */
  rootKeys: PrincipalKeys;
  stop(): Promise<void>;
}

/**
 * The built vault as a process of the test's own: its own database, a fresh KEK and root key pair,
 * logging at debug so that a test can scan everything it says. `env` adds to or overrides that.
 */
export async function startVaultProcess(natsUrl: string, env: Record<string, string> = {}): Promise<RunningVault> {
  await cryptoReady();
  const db = await createTestDatabase('hearth_vault');
  const rootKeys = generatePrincipalKeys();
  const port = await freePort();
  try {
    const process = await startService(
      resolve(import.meta.dirname, '../../../services/vault/dist/main.js'),
      {
        NATS_URL: natsUrl,
        VAULT_DATABASE: db.name,
        VAULT_PORT: String(port),
        VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
        VAULT_ACTIVE_KEK: 'k1',
        VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
        LOG_LEVEL: 'debug',
        ...env,
      },
      'vault ready',
    );
    return {
      process,
      db,
      url: `http://127.0.0.1:${port}`,
      rootKeys,
      stop: async () => {
        await process.kill();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
