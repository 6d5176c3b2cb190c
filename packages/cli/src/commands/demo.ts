import {
  cryptoReady,
  ErrorCode,
  generatePrincipalKeys,
  HearthError,
  parseVaultPointer,
  Slug,
  VaultClient,
  vaultPathOf,
  WORKLOAD_SECRETS_DIR,
  type AuditRecord,
  type DeploymentRef,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
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

/** Where the demo's workspace sits in the tenancy tree (made if missing). */
const DEMO_ORG = 'demo-org';
const DEMO_TEAM = 'demo-team';
/** The demo's workload: an agent the driver hands the sidecar's password to, as a file. */
const AGENT = 'agent';

/**
 * `hearth demo`: the product in one go against a running Hearth. Workspace `demo` in the tenancy
 * tree; a Postgres sidecar and an agent workload for it; its DeploymentRef; the password read through
 * the vault as a subsystem would; a login inside the sidecar with it; the agent's own login with the
 * value it was given in /run/secrets, which its container's configuration does not hold; and the
 * HATCH line of the read. The password itself is never printed.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'a Postgres sidecar and an agent end to end: the tenancy tree, deploy, read the password through the vault, log in, the agent logs in with its /run/secrets file, see the read in HATCH',
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

  step(`1. the tenancy tree: org ${DEMO_ORG}, team ${DEMO_TEAM}, workspace ${slug} (kept if they exist)`);
  await tenancyTree(console_, slug);
  step(
    `2. workspace ${slug}: a Postgres sidecar (${image}) and an agent workload beside it, on the local Docker engine`,
  );
  const ref = await deployed(console_, slug, image);
  step('3. the DeploymentRef any subsystem gets from getWorkspaceDeployment: a pointer, no credential');
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
  step(`4. read ${path} (a postgres credential) through the vault as principal ${reader}, sealed to its key`);
  printOut(
    `   ${username}@${host}:${port}, password: ${password.length} characters (not shown), version ${read.version}, read event ${read.read_event_id}`,
  );

  const container = containerOf(ref.endpoint);
  const login = await psqlInside(container, password, 'SELECT version()');
  if (login.status !== 0) {
    throw new HearthError(ErrorCode.Internal, `the login inside ${container} failed: ${login.stderr || login.stdout}`);
  }
  step(`5. logged in to ${container} as postgres with it (psql over TCP, by docker exec inside the sidecar)`);
  printOut(`   ${login.stdout}`);

  const agent = `hearth-${slug}-${AGENT}`;
  const agentLogin = await agentPsql(agent, container);
  if (agentLogin.status !== 0) {
    throw new HearthError(
      ErrorCode.Internal,
      `the agent's login from ${agent} failed (a deployment made before workloads has no agent: try --slug ${slug}2): ${agentLogin.stderr || agentLogin.stdout}`,
    );
  }
  step(
    `6. the agent (${agent}) logged in to ${container} with the POSTGRES_PASSWORD it was given: the file ${WORKLOAD_SECRETS_DIR}/POSTGRES_PASSWORD, read inside it`,
  );
  printOut(`   ${agentLogin.stdout}`);
  const exposed = await configurationOf(agent, password);
  printOut(
    `   docker inspect ${agent}: ${exposed.join(', ') || '(no POSTGRES_PASSWORD variable)'}; the value: not there`,
  );

  const record = await auditRecordOf(hatch, read.read_event_id, path);
  step('7. the HATCH line for that read, as an auditor sees it (`npm run hearth -- audit tail`)');
  printOut(`   ${HEADER_ROW}\n   ${formatRecord(record)}`);
  printOut(
    `\ndone. \`npm run hearth -- deploy rm ${slug}\` removes the sidecar, the agent, their network and the credential.`,
  );
}

/** The demo's org, team and workspace; what exists already is kept (CONSOLE.TENANT_EXISTS). */
async function tenancyTree(api: ConsoleApi, slug: string): Promise<void> {
  const kept = async (create: () => Promise<unknown>, what: string) => {
    try {
      await create();
      printOut(`   created ${what}`);
    } catch (error) {
      if (!(error instanceof HearthError && error.code === ErrorCode.TenantExists)) throw error;
      printOut(`   ${what} exists already`);
    }
  };
  await kept(() => api.createOrg({ slug: DEMO_ORG, display_name: 'Demo organisation' }), `org ${DEMO_ORG}`);
  await kept(() => api.createTeam({ slug: DEMO_TEAM, display_name: 'Demo team', org: DEMO_ORG }), `team ${DEMO_TEAM}`);
  await kept(
    () => api.createWorkspace({ slug, display_name: `Demo workspace ${slug}`, team: DEMO_TEAM }),
    `workspace ${slug}`,
  );
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
      // The sidecar's credential reaches every workload of its deployment without being named.
      workloads: [{ name: AGENT, image, command: ['sleep', 'infinity'] }],
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
function psqlInside(container: string, password: string, sql: string): Promise<Run> {
  const script = `read -r PGPASSWORD; export PGPASSWORD; psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc "${sql}"`;
  return docker(['exec', '-i', container, 'sh', '-c', script], `${password}\n`);
}

/**
 * psql inside the agent, to the sidecar over the workspace network, with the password the driver
 * gave the agent: read from its file into PGPASSWORD inside the container, so it never passes here.
 */
function agentPsql(agent: string, sidecar: string): Promise<Run> {
  const script = `PGPASSWORD="$(cat ${WORKLOAD_SECRETS_DIR}/POSTGRES_PASSWORD)" psql -h "$1" -U postgres -d postgres -Atqc "SELECT 'logged in as ' || current_user"`;
  return docker(['exec', agent, 'sh', '-c', script, 'sh', sidecar]);
}

/**
 * The agent's POSTGRES_PASSWORD variables as `docker inspect` shows them (the *_FILE pointer only);
 * refused if the value itself is anywhere in what inspect shows.
 */
async function configurationOf(agent: string, password: string): Promise<string[]> {
  const inspected = await docker(['inspect', agent]);
  if (inspected.status !== 0) throw new HearthError(ErrorCode.Internal, `docker inspect ${agent}: ${inspected.stderr}`);
  if (inspected.stdout.includes(password)) {
    throw new HearthError(ErrorCode.Internal, `docker inspect ${agent} shows the password: the delivery is broken`);
  }
  const [container] = z
    .array(z.object({ Config: z.object({ Env: z.array(z.string()).nullable() }) }))
    .parse(JSON.parse(inspected.stdout));
  return (container?.Config.Env ?? []).filter((entry) => entry.startsWith('POSTGRES_PASSWORD'));
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `docker <args>`, `input` on its stdin. */
function docker(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) =>
      reject(new HearthError(ErrorCode.Unavailable, `cannot run docker (${error.message}): is it installed?`)),
    );
    child.once('close', (status) => resolve({ status, stdout: stdout.trim(), stderr: stderr.trim() }));
    child.stdin.end(input);
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
