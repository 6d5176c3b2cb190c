import {
  isSecretSetting,
  NatsIdentities,
  nkeyVariableOf,
  SigningKeySettings,
  type NatsIdentity,
  type ServiceName,
} from '@hearth/contracts';
import { natsServers } from '@hearth/platform/nats';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONSOLE_URL, hearthHome, natsUrl } from '../config.js';
import { natsServerLines, nodeService, SupervisedService, type Say } from '../supervisor.js';
import { HomeFiles, initHome, SigningKeyFiles } from './init.js';
import { printOut } from '../terminal.js';

const repository = fileURLToPath(new URL('../../../..', import.meta.url));
const entryOf = (service: string) => join(repository, 'services', service, 'dist/main.js');
/** Hearth's own NATS: who may say what on it (the identities' public keys come from HEARTH_HOME). */
const natsConfig = join(repository, 'infra/nats.conf');

/** The operator's environment without any secret setting: what every service inherits before its own. */
export function withoutSecrets(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isSecretSetting(name)));
}

interface Running {
  pid: number;
  console: string;
  home: string;
  services: Record<string, number | undefined>;
  /** Hearth's own nats-server, when this run started one. */
  nats?: number | undefined;
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description(
      'run Hearth here: its own NATS (unless NATS_URL names one configured as infra/nats.conf) and the four services (restarted when one dies; logs in HEARTH_HOME/logs), then the demo; Ctrl-C stops them in order',
    )
    .option('--no-demo', 'skip the demo')
    .action((options: { demo: boolean }) => up(options.demo));
}

async function up(withDemo: boolean): Promise<void> {
  const home = hearthHome();
  const say: Say = (line) => printOut(`hearth: ${line}`);
  const consoleUrl =
    process.env.HEARTH_CONSOLE_URL ??
    (process.env.CONSOLE_PORT ? `http://127.0.0.1:${process.env.CONSOLE_PORT}` : DEFAULT_CONSOLE_URL);
  const pidFile = join(home, 'hearth.pid');

  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  // Keys, tokens and logs live here: nobody else may read them, whatever made the folders first.
  for (const dir of [home, join(home, 'logs')]) chmodSync(dir, 0o700);
  const other = claim(pidFile, { pid: process.pid, console: consoleUrl, home, services: {} });
  if (other) {
    say(
      `already running (pid ${other.pid}, console ${other.console}, home ${shown(other.home)}, logs ${shown(join(other.home, 'logs'))}); stop it with Ctrl-C where it runs, or kill ${other.pid}`,
    );
    return;
  }
  process.on('exit', () => {
    if (readRunning(pidFile)?.pid === process.pid) rmSync(pidFile, { force: true });
  });
  for (const written of await initHome(home)) say(`generated ${shown(written)}`);
  const file = (name: string) => join(home, name);
  const natsAt = natsUrl();
  // Hearth's own NATS is the first to start and the last to stop; NATS_URL names one run elsewhere.
  const nats =
    process.env.NATS_URL === undefined
      ? new SupervisedService(
          {
            name: 'nats',
            command: process.env.NATS_SERVER_BIN ?? 'nats-server',
            args: ['-c', natsConfig, '-a', '127.0.0.1', '-p', new URL(natsAt).port, '-sd', file('nats-data')],
            // The public keys only: a seed never leaves the process it is for.
            env: {
              PATH: process.env.PATH,
              ...Object.fromEntries(
                NatsIdentities.map((id) => [
                  nkeyVariableOf(id),
                  readFileSync(file(HomeFiles.natsPublicKey(id)), 'utf8'),
                ]),
              ),
            },
            logFile: join(home, 'logs', 'nats.log'),
            read: natsServerLines,
          },
          say,
        )
      : undefined;
  nats?.start();
  await nats?.ready();
  // A cluster's nodes (NATS_URL, comma-separated): one that answers will do, the services find the rest.
  await Promise.any(natsServers(natsAt).map((server) => reachable(server, 'NATS with JetStream'))).catch(
    (error: AggregateError) => {
      throw error.errors[0];
    },
  );
  await reachable(`tcp://${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'}`, 'PostgreSQL');

  const base = withoutSecrets(process.env);
  /** A service's settings: the shared ones, its own NATS identity, and what is its alone. */
  const own = (identity: NatsIdentity, settings: Record<string, string | undefined>) => ({
    ...base,
    NATS_URL: natsAt,
    NATS_NKEY_SEED_FILE: file(HomeFiles.natsSeed(identity)),
    ...settings,
  });
  /** The operator's own setting of `key` (by value or by file) if there is one, else `fallback`. */
  const fromEnvOr = (key: string, fallback: Record<string, string>) => {
    for (const name of [key, `${key}_FILE`]) if (process.env[name] !== undefined) return { [name]: process.env[name] };
    return fallback;
  };
  /** Postgres's password goes to the three services with a database, not to the driver. */
  const database = { ...fromEnvOr('PGPASSWORD', {}) };
  /** Every service pins every service's public signing key, and signs with its own. */
  const bus = (service: ServiceName) => ({
    ...fromEnvOr('HEARTH_SERVICE_KEYS', { HEARTH_SERVICE_KEYS_FILE: file(HomeFiles.serviceKeys) }),
    ...fromEnvOr(SigningKeySettings[service], {
      [`${SigningKeySettings[service]}_FILE`]: file(SigningKeyFiles[service]),
    }),
  });
  const specs = {
    console: own('console', {
      ...database,
      ...bus('console'),
      ...fromEnvOr('HEARTH_BOOTSTRAP_ADMIN_TOKEN', { HEARTH_BOOTSTRAP_ADMIN_TOKEN_FILE: file(HomeFiles.adminToken) }),
      // The web console's reads of the vault and hatch go through the console, to these two here.
      CONSOLE_VAULT_URL: process.env.CONSOLE_VAULT_URL ?? `http://127.0.0.1:${process.env.VAULT_PORT ?? 7701}`,
      CONSOLE_HATCH_URL: process.env.CONSOLE_HATCH_URL ?? `http://127.0.0.1:${process.env.HATCH_PORT ?? 7702}`,
      // The web console's writes to the vault, signed as its own principal; values come sealed from the browser.
      CONSOLE_PRINCIPAL_KEY_FILE: file(HomeFiles.consoleKey),
      ...fromEnvOr('VAULT_SEAL_PUBLIC_KEY', { VAULT_SEAL_PUBLIC_KEY_FILE: file(HomeFiles.vaultSealPublicKey) }),
      // One driver runs here: the console places on its engine unless told of others.
      ...(process.env.CONSOLE_ENGINES === undefined && process.env.DRIVER_INSTANCE !== undefined
        ? { CONSOLE_ENGINES: process.env.DRIVER_INSTANCE }
        : {}),
    }),
    vault: own('vault', {
      ...database,
      ...bus('vault'),
      ...(process.env.VAULT_KEKS !== undefined
        ? { VAULT_KEKS: process.env.VAULT_KEKS, VAULT_ACTIVE_KEK: process.env.VAULT_ACTIVE_KEK }
        : { VAULT_KEK_FILE: process.env.VAULT_KEK_FILE ?? file(HomeFiles.vaultKek) }),
      VAULT_ROOT_PUBLIC_KEY_FILE: file(HomeFiles.rootPublicKey),
      VAULT_DRIVER_PUBLIC_KEY_FILE: file(HomeFiles.driverPublicKey),
      VAULT_CONSOLE_PUBLIC_KEY_FILE: file(HomeFiles.consolePublicKey),
      ...fromEnvOr('VAULT_SEAL_KEY', { VAULT_SEAL_KEY_FILE: file(HomeFiles.vaultSealKey) }),
    }),
    hatch: own('hatch', {
      ...database,
      ...bus('hatch'),
    }),
    // The driver makes its principal's writes, which the vault allows once it has made that principal.
    // HEARTH_HOME: so that no sidecar binds the keys and tokens kept there.
    'driver-localdocker': own('driver-localdocker', {
      DRIVER_VAULT_KEY_FILE: file(HomeFiles.driverKey),
      ...fromEnvOr('VAULT_SEAL_PUBLIC_KEY', { VAULT_SEAL_PUBLIC_KEY_FILE: file(HomeFiles.vaultSealPublicKey) }),
      HEARTH_HOME: home,
      ...bus('driver-localdocker'),
    }),
  };
  const services = Object.entries(specs).map(
    ([name, env]) =>
      new SupervisedService(
        { name, ...nodeService(entryOf(name)), env, logFile: join(home, 'logs', `${name}.log`) },
        say,
      ),
  );
  const byName = (name: string) => services.find((s) => s.name === name)!;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // Whoever wrote first — the driver — stops first; hatch last, so it records what the others relayed.
    stopping ??= (async () => {
      say('stopping');
      for (const name of ['driver-localdocker', 'console', 'vault', 'hatch']) {
        await byName(name).stop();
        say(`${name} stopped`);
      }
      if (nats) {
        await nats.stop();
        say('nats stopped');
      }
      say('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', () => [...services, ...(nats ? [nats] : [])].forEach((s) => s.killNow()));

  for (const name of ['console', 'vault', 'hatch']) byName(name).start();
  await byName('vault').ready();
  byName('driver-localdocker').start();
  await Promise.all(services.map((s) => s.ready()));
  writeFileSync(
    pidFile,
    JSON.stringify({
      pid: process.pid,
      console: consoleUrl,
      home,
      services: Object.fromEntries(services.map((s) => [s.name, s.pid])),
      nats: nats?.pid,
    } satisfies Running),
  );
  say(`all ${services.length} services ready; logs in ${shown(join(home, 'logs'))}; Ctrl-C stops them`);
  if (withDemo && !stopping) await demo(home, consoleUrl, natsAt, say);
  if (!stopping) {
    say(
      `running — the web console at ${consoleUrl}/ (sign in with ${shown(join(home, HomeFiles.adminToken))}); \`npm run demo\` again, or \`npm run hearth -- deploy list\``,
    );
  }
}

/**
 * Takes the pid file for this process, or answers what runs already. A file left by a supervisor
 * that is gone is taken over, and the services it left (killed without its own clean-up) are ended.
 */
function claim(pidFile: string, mine: Running): Running | undefined {
  for (;;) {
    try {
      writeFileSync(pidFile, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return undefined;
    } catch {
      const other = readRunning(pidFile);
      if (other && alive(other.pid)) return other;
      // Only a process that is still one of our services: a pid file outlives reboots, and pids are reused.
      for (const pid of [...Object.values(other?.services ?? {}), other?.nats])
        if (pid && alive(pid) && isHearthService(pid)) process.kill(-pid, 'SIGTERM');
      rmSync(pidFile, { force: true });
    }
  }
}

function readRunning(pidFile: string): Running | undefined {
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as Running;
  } catch {
    return undefined;
  }
}

function isHearthService(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (
      args.some((arg) => arg.startsWith(join(repository, 'services')) && arg.endsWith('/dist/main.js')) ||
      args.includes(natsConfig)
    );
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function demo(home: string, consoleUrl: string, natsAt: string, say: Say): Promise<void> {
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(repository, 'packages/cli/dist/main.js'), 'demo'], {
      stdio: 'inherit',
      env: {
        ...process.env,
        HEARTH_HOME: home,
        NATS_URL: natsAt,
        ...(process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN ? { HEARTH_TOKEN: process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN } : {}),
        HEARTH_CONSOLE_URL: consoleUrl,
        HEARTH_HATCH_URL: process.env.HEARTH_HATCH_URL ?? `http://127.0.0.1:${process.env.HATCH_PORT ?? 7702}`,
      },
    });
    child.once('error', () => resolve(127));
    child.once('close', resolve);
  });
  if (status !== 0) say(`the demo failed (exit ${status}); the services keep running`);
}

function reachable(url: string, what: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', () => reject(new Error(`${what} does not answer at ${hostname}:${port}: start it`)));
  });
}

/** A path as the operator would type it from here. */
function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') ? path : fromHere;
}
