import { VaultClient, type PrincipalKeys } from '@hearth/contracts';
import { connect, nkeyAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database.js';
import { docker } from './docker.js';
import { freePorts } from './nats-server.js';
import { startService, type ServiceProcess } from './service-process.js';
import { until } from './until.js';

/** `node packages/cli/dist/main.js up`: what `npm start` runs after its set-up. */
export const HEARTH_UP = [resolve(import.meta.dirname, '../../cli/dist/main.js'), 'up'] as const;

/** Hearth as the README's quick start runs it, with its own databases, ports and HEARTH_HOME. */
export interface HearthUp {
  process: ServiceProcess;
  /** HEARTH_HOME: what `hearth init` wrote (the admin token, keys, seeds), and the logs. */
  home: string;
  /** The settings `hearth up` was started with (a second `hearth up` or the CLI takes them too). */
  env: Record<string, string>;
  consoleUrl: string;
  /** The labels of the driver's containers and networks (DRIVER_INSTANCE). */
  instance: string;
  /** The demo's workspace. */
  demoSlug: string;
  databases: { console: TestDatabase; vault: TestDatabase; hatch: TestDatabase };
  /** The first admin token `hearth init` wrote. */
  adminToken(): Promise<string>;
  /** What `hearth up` says runs: its pid file. */
  running(): { pid: number; services: Record<string, number>; nats: number };
  /** The test's own hands on Hearth's NATS: the admin identity `hearth init` made (one connection, closed by stop()). */
  nats(): Promise<NatsConnection>;
  /** A vault client signed as principal `name`, with its keys from HEARTH_HOME/keys (the demo's: `demo`). */
  vaultAs(name: string): Promise<VaultClient>;
  /** Deprovisions every deployment still up, stops Hearth, removes what the driver left, drops the databases. */
  stop(): Promise<void>;
}

/**
 * Runs `hearth up` (its NATS, the four services, then the demo on a workspace of its own) with fresh
 * databases, free ports and a fresh HEARTH_HOME, resolving once it says `hearth: running` (or that the
 * demo failed: the test says what it expected). `env` adds to or overrides the settings.
 */
export async function startHearthUp(env: Record<string, string> = {}): Promise<HearthUp> {
  const [consoleDb, vaultDb, hatchDb] = await Promise.all(
    ['hearth_console', 'hearth_vault', 'hearth_hatch'].map((name) => createTestDatabase(name)),
  );
  const databases = { console: consoleDb!, vault: vaultDb!, hatch: hatchDb! };
  const home = await mkdtemp(join(tmpdir(), 'hearth-home-'));
  const [natsPort, consolePort, vaultPort, hatchPort] = await freePorts(4);
  const instance = `hu-${randomBytes(4).toString('hex')}`;
  const settings: Record<string, string> = {
    HEARTH_HOME: home,
    HEARTH_NATS_PORT: String(natsPort),
    CONSOLE_PORT: String(consolePort),
    CONSOLE_DATABASE: consoleDb!.name,
    VAULT_DATABASE: vaultDb!.name,
    VAULT_PORT: String(vaultPort),
    HATCH_PORT: String(hatchPort),
    HATCH_DATABASE: hatchDb!.name,
    DRIVER_INSTANCE: instance,
    DRIVER_RECONCILE_SECONDS: '0',
    HEARTH_DEMO_SLUG: `demo-${randomBytes(4).toString('hex')}`,
    ...env,
  };
  const consoleUrl = `http://127.0.0.1:${settings.CONSOLE_PORT}`;
  let process: ServiceProcess;
  try {
    process = await startService(HEARTH_UP, settings, /^hearth: (running|the demo failed)/, 180_000);
  } catch (error) {
    await Promise.all(Object.values(databases).map((db) => db.drop()));
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  let nc: Promise<NatsConnection> | undefined;
  const adminToken = async () => (await readFile(join(home, 'admin-token'), 'utf8')).trim();
  const up: HearthUp = {
    process,
    home,
    env: settings,
    consoleUrl,
    instance,
    demoSlug: settings.HEARTH_DEMO_SLUG!,
    databases,
    adminToken,
    running: () => JSON.parse(readFileSync(join(home, 'hearth.pid'), 'utf8')) as ReturnType<HearthUp['running']>,
    nats: () =>
      (nc ??= readFile(join(home, 'nats/admin.seed')).then((seed) =>
        connect({
          servers: `nats://127.0.0.1:${settings.HEARTH_NATS_PORT}`,
          authenticator: nkeyAuthenticator(seed),
          inboxPrefix: '_INBOX_admin',
        }),
      )),
    vaultAs: async (name) => {
      const key = JSON.parse(await readFile(join(home, `keys/${name}.json`), 'utf8')) as PrincipalKeys & {
        name: string;
      };
      return new VaultClient(await up.nats(), key.name, key);
    },
    stop: async () => {
      await deprovisionAll(consoleUrl, await adminToken().catch(() => ''), instance);
      await process.kill();
      const left = async (kind: 'ps' | 'network') => {
        const args = kind === 'ps' ? ['ps', '-aq'] : ['network', 'ls', '-q'];
        const { stdout } = await docker([...args, '--filter', `label=hearth.instance=${instance}`]);
        return stdout === '' ? [] : stdout.split('\n');
      };
      const containers = await left('ps');
      if (containers.length) await docker(['rm', '-fv', ...containers]);
      const networks = await left('network');
      if (networks.length) await docker(['network', 'rm', ...networks]);
      await (await nc?.catch(() => undefined))?.close();
      await Promise.all(Object.values(databases).map((db) => db.drop()));
      await rm(home, { recursive: true, force: true });
    },
  };
  return up;
}

/**
 * Asks the console to deprovision every deployment it has that is not gone, then waits (30 s at most:
 * a teardown, not a test) for the driver to have removed its containers; a stopped console is skipped.
 */
async function deprovisionAll(consoleUrl: string, token: string, instance: string): Promise<void> {
  if (!token) return;
  const authorization = `Bearer ${token}`;
  const listed = await fetch(`${consoleUrl}/v1/deployments?limit=500`, { headers: { authorization } }).catch(
    () => null,
  );
  if (!listed?.ok) return;
  const { items } = (await listed.json()) as { items: { workspace_slug: string; last_status: string }[] };
  const up = items.filter((ref) => ref.last_status !== 'deprovisioned');
  await Promise.all(
    up.map((ref) =>
      fetch(`${consoleUrl}/v1/deployments/${ref.workspace_slug}`, { method: 'DELETE', headers: { authorization } }),
    ),
  );
  if (up.length === 0) return;
  await until(
    async () => (await docker(['ps', '-aq', '--filter', `label=hearth.instance=${instance}`])).stdout === '',
    { timeoutMs: 30_000, intervalMs: 200, what: 'the deployments deprovisioned' },
  ).catch(() => undefined);
}

/**
 * The secrets `hearth init` wrote under `home`, by file: the admin token, the vault's KEKs and seal key,
 * principals' secret keys, signing keys, NATS seeds; public halves and pins left out. A test searches
 * what Hearth showed for each.
 */
export async function homeSecrets(home: string): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = relative(home, path);
      if (entry.isDirectory()) {
        if (!['logs', 'nats-data'].includes(name)) await walk(path);
        continue;
      }
      if (extname(path) === '.pub' || ['service-keys.json', 'hearth.pid'].includes(name)) continue;
      const text = await readFile(path, 'utf8');
      if (extname(path) === '.json') {
        const values = (value: unknown, key: string): void => {
          if (typeof value === 'string' && !['name', 'publicKey', 'active'].includes(key))
            secrets[`${name}:${key}`] = value;
          else if (value && typeof value === 'object')
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) values(v, k);
        };
        values(JSON.parse(text), '');
      } else if (text.includes('-----BEGIN')) {
        secrets[name] = text.replace(/-----[^-]+-----|\s/g, '');
      } else {
        secrets[name] = text.trim();
      }
    }
  };
  await walk(home);
  for (const [name, value] of Object.entries(secrets)) if (value.length < 16) delete secrets[name];
  return secrets;
}
