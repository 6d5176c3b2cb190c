// `pnpm start`: runs every Hearth service against local NATS and Postgres with the defaults of
// DESIGN.md. Each service creates and migrates its own database; full JSON logs go to .hearth/logs/.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const SERVICES = [
  { name: 'console', entry: 'services/console/dist/main.js', ready: 'console ready' },
  { name: 'vault', entry: 'services/vault/dist/main.js', ready: 'vault ready' },
  { name: 'hatch', entry: 'services/hatch/dist/main.js', ready: 'hatch ready' },
];

mkdirSync('.hearth/logs', { recursive: true });
const tokenFile = '.hearth/admin-token';
if (!process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN && !existsSync(tokenFile)) {
  writeFileSync(tokenFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  console.log(`hearth: generated the first admin token in ${tokenFile} (the CLI reads it from there)`);
}
const adminToken = process.env.HEARTH_BOOTSTRAP_ADMIN_TOKEN ?? readFileSync(tokenFile, 'utf8').trim();

// The vault's key-encryption key and its root principal: generated once, kept beside the token.
mkdirSync('.hearth/keys', { recursive: true, mode: 0o700 });
const kekFile = '.hearth/vault-kek.json';
if (!process.env.VAULT_KEKS && !process.env.VAULT_KEK_FILE && !existsSync(kekFile)) {
  writeFileSync(kekFile, JSON.stringify({ active: 'k1', keys: { k1: randomBytes(32).toString('base64') } }), {
    mode: 0o600,
  });
  console.log(`hearth: generated the vault's key-encryption key in ${kekFile}`);
}
const rootKeyFile = '.hearth/keys/root.json';
if (!existsSync(rootKeyFile)) {
  const { generatePrincipalKeys, cryptoReady } = await import('@hearth/contracts');
  await cryptoReady();
  writeFileSync(rootKeyFile, JSON.stringify({ name: 'root', ...generatePrincipalKeys() }, null, 2), { mode: 0o600 });
  console.log(`hearth: generated the vault's root principal in ${rootKeyFile} (the CLI signs with it)`);
}
const hatchKeyFile = '.hearth/hatch-signing-key.pem';
if (!process.env.HATCH_SIGNING_KEY && !process.env.HATCH_SIGNING_KEY_FILE && !existsSync(hatchKeyFile)) {
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(hatchKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  console.log(`hearth: generated HATCH's checkpoint signing key in ${hatchKeyFile}`);
}
const serviceEnv = {
  ...(process.env.HATCH_SIGNING_KEY
    ? {}
    : { HATCH_SIGNING_KEY_FILE: process.env.HATCH_SIGNING_KEY_FILE ?? hatchKeyFile }),
  HEARTH_BOOTSTRAP_ADMIN_TOKEN: adminToken,
  ...(process.env.VAULT_KEKS ? {} : { VAULT_KEK_FILE: process.env.VAULT_KEK_FILE ?? kekFile }),
  VAULT_ROOT_PUBLIC_KEY: JSON.parse(readFileSync(rootKeyFile, 'utf8')).publicKey,
};

await reachable(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'NATS with JetStream');
await reachable(`tcp://${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'}`, 'PostgreSQL');

const children = [];
let stopping = false;
await Promise.all(SERVICES.map(startService));
console.log(`hearth: all ${SERVICES.length} services ready — try \`pnpm hearth deploy list\`; Ctrl-C stops them`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
  });
}

function startService({ name, entry, ready }) {
  const log = createWriteStream(`.hearth/logs/${name}.log`, { flags: 'a' });
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...serviceEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (stopping) return;
      console.error(`hearth: ${name} exited (${code}); see .hearth/logs/${name}.log`);
      reject(new Error(`${name} exited`));
      process.exitCode = 1;
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
