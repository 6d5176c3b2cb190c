import {
  cryptoReady,
  ErrorCode,
  generatePrincipalKeys,
  HearthError,
  parseVaultPointer,
  Slug,
  VaultClient,
  vaultPathOf,
  type AuditRecord,
  type DeploymentRef,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { consoleConnection, hearthHome } from '../config.js';
import { ConsoleApi } from '../console-api.js';
import { HatchApi, hatchConnection } from '../hatch-api.js';
import { KeyFile, withVault } from '../vault-session.js';
import { formatRecord, HEADER_ROW } from './audit.js';
import { lastFailureReason } from './deploy.js';
import { printOut } from '../terminal.js';

/** The image `scripts/build-test-images.sh` builds; on a machine with a registry, any postgres image. */
export const DEFAULT_DEMO_IMAGE = 'hearth-test/postgres:15';
const READY_TIMEOUT_MS = 120_000;
const AUDIT_TIMEOUT_MS = 15_000;

interface DemoOptions {
  slug: string;
  image: string;
}

/**
 * `hearth demo`: the product in one go against a running Hearth. A Postgres sidecar for workspace
 * `demo`; its DeploymentRef; its password read through the vault as a subsystem would; a login inside
 * the sidecar with it; and the HATCH line that read left. The password itself is never printed.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'a Postgres sidecar end to end: deploy, read its password through the vault, log in, see the read in HATCH',
    )
    .option('--slug <slug>', 'the workspace', process.env.HEARTH_DEMO_SLUG ?? 'demo')
    .option(
      '--image <image>',
      'the Postgres image (the engine must have it)',
      process.env.HEARTH_DEMO_IMAGE ?? DEFAULT_DEMO_IMAGE,
    )
    .action((options: DemoOptions) => demo(options));
}

async function demo({ slug, image }: DemoOptions): Promise<void> {
  if (!Slug.safeParse(slug).success)
    throw new HearthError(ErrorCode.InvalidSlug, `--slug: not a workspace slug: ${slug}`);
  const console_ = new ConsoleApi(consoleConnection());
  const hatch = new HatchApi(hatchConnection());

  step(`1. workspace ${slug}: a Postgres sidecar (${image}) on the local Docker engine`);
  const ref = await deployed(console_, slug, image);
  step('2. the DeploymentRef any subsystem gets from getWorkspaceDeployment: a pointer, no credential');
  printOut(JSON.stringify(ref, null, 2));

  const pointer = parseVaultPointer(ref.secrets_vault_path);
  if (!pointer) throw new HearthError(ErrorCode.Internal, `not a vault pointer: ${ref.secrets_vault_path}`);
  const path = vaultPathOf(pointer);
  const { read, reader } = await withVault(async (root, nc) => {
    const key = await demoPrincipal(root, path);
    const vault = new VaultClient(nc, key.name, key);
    return { read: await vault.read(path), reader: key.name };
  });
  const { password, host, port, username } = read.values;
  if (password === undefined) {
    throw new HearthError(ErrorCode.Internal, `${path} holds no password (${Object.keys(read.values).join(', ')})`);
  }
  step(`3. read ${path} (a postgres credential) through the vault as principal ${reader}, sealed to its key`);
  printOut(
    `   ${username}@${host}:${port}, password: ${password.length} characters (not shown), version ${read.version}, read event ${read.read_event_id}`,
  );

  const container = containerOf(ref.endpoint);
  const login = await psqlInside(container, password, 'SELECT version()');
  if (login.status !== 0) {
    throw new HearthError(ErrorCode.Internal, `the login inside ${container} failed: ${login.stderr || login.stdout}`);
  }
  step(`4. logged in to ${container} as postgres with it (psql over TCP, by docker exec inside the sidecar)`);
  printOut(`   ${login.stdout}`);

  const record = await auditRecordOf(hatch, read.read_event_id, path);
  step('5. the HATCH line for that read, as an auditor sees it (`npm run hearth -- audit tail`)');
  printOut(`   ${HEADER_ROW}\n   ${formatRecord(record)}`);
  printOut(`\ndone. \`npm run hearth -- deploy rm ${slug}\` removes the sidecar, its network and its credential.`);
}

/** The deployment, ready: created, or retried after a failure, or as it is when it is ready already. */
async function deployed(api: ConsoleApi, slug: string, image: string): Promise<DeploymentRef> {
  let ref: DeploymentRef;
  try {
    ref = await api.createDeployment({
      slug,
      tier: 'dev',
      driver: 'localdocker',
      sidecars: [{ name: 'postgres', image }],
    });
  } catch (error) {
    if (!(error instanceof HearthError && error.code === ErrorCode.DeploymentExists)) throw error;
    ref = await api.getDeployment(slug);
    printOut(`   ${slug} exists already (${ref.last_status})`);
    if (ref.last_status === 'failed') ref = await api.retryDeployment(slug);
    if (ref.last_status === 'deprovisioning' || ref.last_status === 'deprovisioned') {
      throw new HearthError(
        ErrorCode.DeploymentExists,
        `${slug} is ${ref.last_status}, and a slug is not reused: try \`npm run demo -- --slug ${slug}2\``,
      );
    }
  }
  return untilReady(api, ref);
}

async function untilReady(api: ConsoleApi, first: DeploymentRef): Promise<DeploymentRef> {
  const started = Date.now();
  let ref = first;
  let shown = '';
  for (;;) {
    if (ref.last_status !== shown) {
      shown = ref.last_status;
      printOut(`   ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${shown}`);
    }
    if (ref.last_status === 'ready') return ref;
    if (ref.last_status === 'failed') {
      // The ref cannot say why (its shape is fixed); the deployment's history has the driver's reason.
      const reason = lastFailureReason(await api.deploymentHistory(ref.workspace_slug));
      printOut(`          reason: ${reason ?? '(none recorded)'}`);
      throw new HearthError(
        ErrorCode.Internal,
        `${ref.workspace_slug} failed (the reason is above; \`npm run hearth -- deploy history ${ref.workspace_slug}\` has its timeline, .hearth/logs/driver-localdocker.log the driver's detail)`,
      );
    }
    if (ref.last_status !== 'requested' && ref.last_status !== 'provisioning') {
      throw new HearthError(
        ErrorCode.Internal,
        `${ref.workspace_slug} is ${ref.last_status}: see the driver's log (.hearth/logs/driver-localdocker.log)`,
      );
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      throw new HearthError(
        ErrorCode.Unavailable,
        `${ref.workspace_slug} is still ${ref.last_status} after ${READY_TIMEOUT_MS / 1000} s: is the driver running?`,
      );
    }
    await sleep(200);
    ref = await api.getDeployment(ref.workspace_slug);
  }
}

/**
 * The subsystem the demo plays: its own principal, made once by root with the key kept in
 * keys/demo.json of HEARTH_HOME, and allowed to read `path` and nothing else. A vault that knows `demo`
 * under a key this machine has lost gets `demo-<hex>`.
 */
async function demoPrincipal(root: VaultClient, path: string): Promise<KeyFile> {
  await cryptoReady();
  const keyFile = join(hearthHome(), 'keys/demo.json');
  let key: KeyFile;
  if (existsSync(keyFile)) {
    key = KeyFile.parse(JSON.parse(readFileSync(keyFile, 'utf8')));
  } else {
    const keys = generatePrincipalKeys();
    let name = 'demo';
    try {
      await root.createPrincipal(name, keys.publicKey);
    } catch (error) {
      if (!(error instanceof HearthError && error.code === ErrorCode.PrincipalExists)) throw error;
      name = `demo-${keys.publicKey.replace(/[^a-z0-9]/g, '').slice(0, 6)}`;
      await root.createPrincipal(name, keys.publicKey);
    }
    key = { name, ...keys };
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, JSON.stringify(key, null, 2), { mode: 0o600 });
  }
  await root.grant(key.name, { pattern: path, capabilities: ['read'] });
  return key;
}

/** The sidecar's container name is the host of its endpoint on the workspace network. */
function containerOf(endpoint: string): string {
  const host = URL.canParse(endpoint) ? new URL(endpoint).hostname : '';
  if (!host) throw new HearthError(ErrorCode.Internal, `the deployment's endpoint names no host: ${endpoint}`);
  return host;
}

/** psql inside the container, to its own address over TCP; the password goes in on stdin, never in argv or env of docker. */
function psqlInside(
  container: string,
  password: string,
  sql: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = `read -r PGPASSWORD; export PGPASSWORD; psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc "${sql}"`;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['exec', '-i', container, 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) =>
      reject(new HearthError(ErrorCode.Unavailable, `cannot run docker (${error.message}): is it installed?`)),
    );
    child.once('close', (status) => resolve({ status, stdout: stdout.trim(), stderr: stderr.trim() }));
    child.stdin.end(`${password}\n`);
  });
}

/** The read's line in HATCH, once the relay has carried it there (usually within milliseconds). */
async function auditRecordOf(api: HatchApi, eventId: string, path: string): Promise<AuditRecord> {
  const deadline = Date.now() + AUDIT_TIMEOUT_MS;
  for (;;) {
    const page = await api.records({ path_prefix: path, action: 'secret.read', order: 'desc', limit: 50 });
    const record = page.items.find((r) => r.event_id === eventId);
    if (record) return record;
    if (Date.now() > deadline) {
      throw new HearthError(
        ErrorCode.Unavailable,
        `HATCH has no record of read ${eventId} after ${AUDIT_TIMEOUT_MS / 1000} s`,
      );
    }
    await sleep(100);
  }
}

function step(text: string): void {
  printOut(`\n${text}`);
}
