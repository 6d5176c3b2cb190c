// `pnpm start`: runs every Hearth service against local NATS and Postgres (and the local Docker
// engine) with the defaults of DESIGN.md. Each service creates and migrates its own database; full
// JSON logs go to .hearth/logs/. HEARTH_HOME moves .hearth/ elsewhere.
import { cryptoReady, ErrorCode, generatePrincipalKeys, HearthError, VaultClient } from '@hearth/contracts';
import { connect as connectNats } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const home = resolve(process.env.HEARTH_HOME ?? join(root, '.hearth'));
/** A path as the operator would type it from here. */
const shown = (path) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const service = (name, extra = {}) => ({
  name,
  entry: join(root, 'services', name, 'dist/main.js'),
  ready: `${name} ready`,
  ...extra,
});
const SERVICES = [service('console'), service('vault'), service('hatch')];
// The driver writes to the vault as a principal of its own, so it starts once the vault answers.
const DRIVER = service('driver-localdocker');
const ALL = SERVICES.length + 1;

mkdirSync(join(home, 'logs'), { recursive: true });
const tokenFile = join(home, 'admin-token');
if (!process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN && !existsSync(tokenFile)) {
  writeFileSync(tokenFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  console.log(`hearth: generated the first admin token in ${shown(tokenFile)} (the CLI reads it from there)`);
}
const adminToken = process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN ?? readFileSync(tokenFile, 'utf8').trim();

// The vault's key-encryption key and its root principal: generated once, kept beside the token.
mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
const kekFile = join(home, 'vault-kek.json');
if (!process.env.VAULT_KEKS && !process.env.VAULT_KEK_FILE && !existsSync(kekFile)) {
  writeFileSync(kekFile, JSON.stringify({ active: 'k1', keys: { k1: randomBytes(32).toString('base64') } }), {
    mode: 0o600,
  });
  console.log(`hearth: generated the vault's key-encryption key in ${shown(kekFile)}`);
}
await cryptoReady();
const rootKeyFile = join(home, 'keys/root.json');
if (!existsSync(rootKeyFile)) {
  writeFileSync(rootKeyFile, JSON.stringify({ name: 'root', ...generatePrincipalKeys() }, null, 2), { mode: 0o600 });
  console.log(`hearth: generated the vault's root principal in ${shown(rootKeyFile)} (the CLI signs with it)`);
}
const driverKeyFile = join(home, 'keys/driver-localdocker.json');
const hatchKeyFile = join(home, 'hatch-signing-key.pem');
if (!process.env.HATCH_SIGNING_KEY && !process.env.HATCH_SIGNING_KEY_FILE && !existsSync(hatchKeyFile)) {
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(hatchKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  console.log(`hearth: generated HATCH's checkpoint signing key in ${shown(hatchKeyFile)}`);
}
const serviceEnv = {
  ...(process.env.HATCH_SIGNING_KEY
    ? {}
    : { HATCH_SIGNING_KEY_FILE: process.env.HATCH_SIGNING_KEY_FILE ?? hatchKeyFile }),
  HEARTH_BOOTSTRAP_ADMIN_TOKEN: adminToken,
  ...(process.env.VAULT_KEKS ? {} : { VAULT_KEK_FILE: process.env.VAULT_KEK_FILE ?? kekFile }),
  VAULT_ROOT_PUBLIC_KEY: JSON.parse(readFileSync(rootKeyFile, 'utf8')).publicKey,
  DRIVER_VAULT_KEY_FILE: driverKeyFile,
};

await reachable(natsUrl, 'NATS with JetStream');
await reachable(`tcp://${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'}`, 'PostgreSQL');

const children = [];
let stopping = false;
const stopAll = () => {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
};
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stopAll);

Promise.all(
  SERVICES.map((s) =>
    s.name === 'vault'
      ? startService(s)
          .then(driverPrincipal)
          .then(() => startService(DRIVER))
      : startService(s),
  ),
).then(
  async () => {
    console.log(`hearth: all ${ALL} services ready; Ctrl-C stops them`);
    if (!process.argv.includes('--no-demo')) await demo();
    if (!stopping) console.log('hearth: running — `pnpm demo` again, or `pnpm hearth deploy list`');
  },
  (error) => {
    // A service that exited has said so already; anything else (the driver's principal) says it here.
    if (!stopping) console.error(`hearth: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    stopAll();
  },
);

/**
 * The demo (`hearth demo`), run by the CLI against the services just started. Its Postgres image is
 * built locally when the engine lacks it (no registry is needed). A failed demo leaves Hearth running.
 */
async function demo() {
  const image = process.env.HEARTH_DEMO_IMAGE ?? 'hearth-test/postgres:15';
  if (!process.env.HEARTH_DEMO_IMAGE && (await run('docker', ['image', 'inspect', image], 'ignore')) !== 0) {
    console.log(`hearth: building the demo's image ${image} (once)`);
    await run(join(root, 'scripts/build-test-images.sh'), [], 'inherit');
  }
  const local = (port, fallback) => `http://127.0.0.1:${port ?? fallback}`;
  const status = await run(
    process.execPath,
    [join(root, 'packages/cli/dist/main.js'), 'demo', '--image', image],
    'inherit',
    {
      ...process.env,
      HEARTH_HOME: home,
      HEARTH_TOKEN: adminToken,
      HEARTH_CONSOLE_URL: process.env.HEARTH_CONSOLE_URL ?? local(process.env.CONSOLE_PORT, 7700),
      HEARTH_HATCH_URL: process.env.HEARTH_HATCH_URL ?? local(process.env.HATCH_PORT, 7702),
    },
  );
  if (status !== 0) console.error(`hearth: the demo failed (exit ${status}); the services keep running`);
}

function run(command, args, stdio, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio, env });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code));
  });
}

/**
 * The driver's vault principal, made once with its key file: it may write, list and destroy under
 * hearth/ and read nothing. A principal the vault already knows keeps the rules it has.
 */
async function driverPrincipal() {
  const fresh = !existsSync(driverKeyFile);
  const keys = fresh ? generatePrincipalKeys() : JSON.parse(readFileSync(driverKeyFile, 'utf8'));
  const rootKey = JSON.parse(readFileSync(rootKeyFile, 'utf8'));
  const nc = await connectNats({ servers: natsUrl });
  try {
    const vault = new VaultClient(nc, 'root', rootKey);
    try {
      await vault.createPrincipal(DRIVER.name, keys.publicKey);
    } catch (error) {
      if (!(error instanceof HearthError && error.code === ErrorCode.PrincipalExists)) throw error;
      if (fresh) {
        throw new Error(
          `the vault already knows ${DRIVER.name} under another key (${shown(driverKeyFile)} is gone); start over with a fresh vault database`,
          { cause: error },
        );
      }
      return;
    }
    if (fresh) writeFileSync(driverKeyFile, JSON.stringify({ name: DRIVER.name, ...keys }, null, 2), { mode: 0o600 });
    await vault.grant(DRIVER.name, { pattern: 'hearth/*', capabilities: ['write', 'list', 'destroy'] });
    console.log(
      `hearth: made the driver's vault principal (write, list, destroy on hearth/*), its key in ${shown(driverKeyFile)}`,
    );
  } finally {
    await nc.close();
  }
}

function startService({ name, entry, ready }) {
  const log = createWriteStream(join(home, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...serviceEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    // One service gone is Hearth down: the others are stopped too.
    child.once('exit', (code) => {
      if (stopping) return;
      console.error(`hearth: ${name} exited (${code}); see ${shown(join(home, 'logs', `${name}.log`))}`);
      process.exitCode = 1;
      stopAll();
      reject(new Error(`${name} exited`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        const entry = parseJson(line);
        if (entry?.msg === ready) {
          const where = [entry.http, entry.nats].filter(Boolean).join(' ');
          console.log(`hearth: ${name} ready ${where}`);
          resolve();
        } else if (!entry || entry.level >= 40) {
          console.log(`[${name}] ${entry ? `${entry.msg}` : line}`);
        }
      });
    }
  });
}

function parseJson(line) {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function reachable(url, what) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', () => {
      console.error(
        `hearth: ${what} does not answer at ${hostname}:${port}. Start it, or run \`docker-compose -f infra/compose.yml up -d\`.`,
      );
      process.exit(1);
    });
  });
}
