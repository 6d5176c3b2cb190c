import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DeploymentRef,
  HatchStream,
  ResolvedSet,
  SecretReadV1,
  SecretsResolvedV1,
  WORKLOAD_SECRETS_DIR,
} from '@hearth/contracts';
import {
  docker,
  placesHolding,
  registerWorkspace,
  runCli,
  startDriverStack,
  streamMessages,
  until,
  type DriverStack,
} from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';
const ORG = 'acme';
const TEAM = 'platform';

/** Whether the workload's file for `name` holds `value`; the value goes in on stdin, never on an argv. */
const fileHolds = (container: string, name: string, value: string) =>
  docker(
    ['exec', '-i', container, 'sh', '-c', `IFS= read -r v; [ "$v" = "$(cat ${WORKLOAD_SECRETS_DIR}/${name})" ]`],
    `${value}\n`,
  );

/** psql from inside the workload to its sidecar, with the password from the workload's own file (or `password`). */
const loginFrom = (
  workload: string,
  sidecar: string,
  password = `"$(cat ${WORKLOAD_SECRETS_DIR}/POSTGRES_PASSWORD)"`,
) =>
  docker([
    'exec',
    workload,
    'sh',
    '-c',
    `PGPASSWORD=${password} psql -h "$1" -U postgres -d postgres -Atqc 'SELECT 1'`,
    'sh',
    sidecar,
  ]);

/** The audit events on `subject` in HATCH, as their contract reads them. */
async function audited<T>(stack: DriverStack, subject: string, parse: (body: unknown) => T): Promise<T[]> {
  return (await streamMessages(stack.jsm, HatchStream.name))
    .filter((m) => m.subject === subject)
    .map((m) => parse(JSON.parse(Buffer.from(m.data).toString('utf8'))));
}
const resolutions = (stack: DriverStack, slug: string) =>
  audited(stack, 'hatch.vault.secrets.resolve', (b) => SecretsResolvedV1.parse(b)).then((all) =>
    all.filter((e) => e.data.workspace_slug === slug && !e.data.preview && e.data.outcome === 'OK'),
  );
const readsOf = (stack: DriverStack, resolveId: string) =>
  audited(stack, 'hatch.vault.secret.read', (b) => SecretReadV1.parse(b)).then((all) =>
    all.filter((e) => e.data.resolved?.resolve_id === resolveId),
  );

/**
 * Credentials at org, team and workspace scope resolved for a deployment's workload at dispatch, with
 * console, vault and driver as processes on the real Docker engine: the workload logs in to its
 * Postgres sidecar with the value it was given as a file; the org's value reaches it unless its team
 * overrides the name; its container's configuration holds no value; HATCH holds one read per value
 * and one resolution; a new version reaches it at the next start (`restart`), not before.
 */
describe('workloads: credentials resolved from workspace, team and org at dispatch', () => {
  let stack: DriverStack;
  let slug: string;
  let agent: string;
  let sidecar: string;
  let workDir: string;
  let rootKeyFile: string;
  const openai = `sk-org-${randomBytes(12).toString('hex')}`;
  const githubOrg = `ghp-org-${randomBytes(12).toString('hex')}`;
  const githubTeam = `ghp-team-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    stack = await startDriverStack([POSTGRES_IMAGE]);
    workDir = await mkdtemp(join(tmpdir(), 'hearth-workloads-'));
    rootKeyFile = join(workDir, 'root.json');
    await writeFile(rootKeyFile, JSON.stringify({ name: 'root', ...stack.vault.rootKeys }), { mode: 0o600 });
    slug = stack.newSlug();
    agent = `hearth-${slug}-agent`;
    sidecar = `hearth-${slug}-postgres`;
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug, { org: ORG, team: TEAM });

    const provider = { category: 'provider' };
    await stack.root.write({ path: `org/${ORG}/openai`, values: { OPENAI_API_KEY: openai }, tags: provider });
    await stack.root.write({ path: `org/${ORG}/github`, values: { GITHUB_TOKEN: githubOrg }, tags: provider });
    // The team's own GITHUB_TOKEN: narrower than the org's, so it wins the name.
    await stack.root.write({ path: `team/${TEAM}/github`, values: { GITHUB_TOKEN: githubTeam }, tags: provider });

    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }],
        workloads: [
          {
            name: 'agent',
            image: POSTGRES_IMAGE,
            command: ['sleep', 'infinity'],
            env_refs: ['OPENAI_API_KEY', 'GITHUB_TOKEN'],
          },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
  });

  afterAll(async () => {
    await stack?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('logs in to its sidecar from inside the workload with the POSTGRES_PASSWORD it was given', async () => {
    expect(await loginFrom(agent, sidecar)).toEqual({ status: 0, stdout: '1' });
    // Without the file's value the sidecar refuses: the login above is the value's doing.
    expect((await loginFrom(agent, sidecar, 'wrong')).status).not.toBe(0);
  });

  it("gets the org's value unless its team overrides the name, as files, with no value in docker inspect", async () => {
    expect((await fileHolds(agent, 'OPENAI_API_KEY', openai)).status).toBe(0);
    expect((await fileHolds(agent, 'GITHUB_TOKEN', githubTeam)).status).toBe(0);

    const inspected = (await docker(['inspect', agent])).stdout;
    const [container] = JSON.parse(inspected) as Array<{ Config: { Env: string[] | null } }>;
    expect(container!.Config.Env).toEqual(
      expect.arrayContaining([
        `OPENAI_API_KEY_FILE=${WORKLOAD_SECRETS_DIR}/OPENAI_API_KEY`,
        `GITHUB_TOKEN_FILE=${WORKLOAD_SECRETS_DIR}/GITHUB_TOKEN`,
        `POSTGRES_PASSWORD_FILE=${WORKLOAD_SECRETS_DIR}/POSTGRES_PASSWORD`,
      ]),
    );
    const password = (await stack.reader.read(`hearth/${slug}`)).values.password!;
    for (const value of [openai, githubOrg, githubTeam, password]) {
      expect(placesHolding({ 'docker inspect of the workload': inspected }, value)).toEqual([]);
    }
  });

  it('leaves in HATCH one resolution and exactly one read per value the workload received, with its scope', async () => {
    await until(async () => (await resolutions(stack, slug)).length === 1, {
      timeoutMs: 10_000,
      what: 'the dispatch’s resolution in HATCH',
    });
    const [resolution] = await resolutions(stack, slug);
    const received = (await docker(['exec', agent, 'ls', WORKLOAD_SECRETS_DIR])).stdout.split('\n').sort();
    expect(resolution!.data.names.map((n) => n.name).sort()).toEqual(received);
    expect(received).toEqual(expect.arrayContaining(['GITHUB_TOKEN', 'OPENAI_API_KEY', 'POSTGRES_PASSWORD']));

    await until(async () => (await readsOf(stack, resolution!.id)).length >= received.length, {
      timeoutMs: 10_000,
      what: 'a read in HATCH for each value',
    });
    const reads = await readsOf(stack, resolution!.id);
    expect(reads.map((r) => r.data.resolved!.name).sort()).toEqual(received);
    const scopeOf = (name: string) => reads.find((r) => r.data.resolved!.name === name)!.data;
    expect(scopeOf('OPENAI_API_KEY')).toMatchObject({
      path: `org/${ORG}/openai`,
      version: 1,
      outcome: 'OK',
      resolved: { scope: 'org' },
    });
    expect(scopeOf('GITHUB_TOKEN')).toMatchObject({ path: `team/${TEAM}/github`, resolved: { scope: 'team' } });
    expect(scopeOf('POSTGRES_PASSWORD')).toMatchObject({ path: `hearth/${slug}`, resolved: { scope: 'workspace' } });
  });

  it('previews the resolution with `hearth secret resolve`: names, scopes and versions, never a value', async () => {
    const run = await runCli(
      ['secret', 'resolve', slug, '--ref', 'OPENAI_API_KEY', '--ref', 'GITHUB_TOKEN', '--json'],
      {
        cwd: workDir,
        env: {
          PATH: process.env.PATH,
          HOME: workDir,
          NATS_URL: stack.nats.url,
          NATS_NKEY_SEED: stack.nats.seeds!.operator,
          HEARTH_KEY_FILE: rootKeyFile,
          VAULT_SEAL_PUBLIC_KEY: stack.vault.sealPublicKey,
        },
      },
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const preview = ResolvedSet.omit({ sealed: true }).parse(JSON.parse(run.stdout));
    expect(preview).toMatchObject({ workspace: slug, team: TEAM, org: ORG, refused: [] });
    expect(preview.names.map(({ name, scope, path, version }) => ({ name, scope, path, version }))).toEqual([
      { name: 'OPENAI_API_KEY', scope: 'org', path: `org/${ORG}/openai`, version: 1 },
      { name: 'GITHUB_TOKEN', scope: 'team', path: `team/${TEAM}/github`, version: 1 },
    ]);
    expect(placesHolding({ 'the preview': run.stdout + run.stderr }, openai)).toEqual([]);
  });

  it('keeps the value it started with until a restart, which gives it the new version', async () => {
    const rotated = `sk-org-${randomBytes(12).toString('hex')}`;
    expect(await stack.root.write({ path: `org/${ORG}/openai`, values: { OPENAI_API_KEY: rotated } })).toMatchObject({
      version: 2,
    });
    // A running workload keeps what it was started with.
    expect((await fileHolds(agent, 'OPENAI_API_KEY', openai)).status).toBe(0);

    const restarted = await stack.http(`/v1/deployments/${slug}/restart`, { method: 'POST', body: {} });
    expect(restarted.status).toBe(202);
    DeploymentRef.parse(await restarted.json());
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
    await until(async () => (await fileHolds(agent, 'OPENAI_API_KEY', rotated)).status === 0, {
      timeoutMs: 20_000,
      what: 'the new version in the restarted workload',
    });
    // A resolution of its own for the restart, which read version 2 of the org's credential.
    const picked = async () =>
      (await resolutions(stack, slug)).some((r) =>
        r.data.names.some((n) => n.name === 'OPENAI_API_KEY' && n.version === 2 && n.outcome === 'OK'),
      );
    await until(picked, { timeoutMs: 10_000, what: 'the restart’s resolution in HATCH' });
    // The sidecar was left as it was: the restarted workload still logs in to it.
    expect(await loginFrom(agent, sidecar)).toEqual({ status: 0, stdout: '1' });
  });

  it('refuses to restart a workload the deployment does not have', async () => {
    const refused = await stack.http(`/v1/deployments/${slug}/restart`, {
      method: 'POST',
      body: { workload: 'ghost' },
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: 'CONSOLE.WORKLOAD_NOT_FOUND' } });
  });
});
