import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ENGINE,
  DeploymentHistory,
  DeploymentList,
  DeploymentRef,
  DriverCommand,
  Streams,
  Subjects,
  TokenCreated,
} from '@hearth/contracts';
import {
  freePort,
  runCli,
  publishDriverEvent,
  registerWorkspace,
  startConsoleProcess,
  startNats,
  streamMessages,
  type RunningConsole,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const slug = `cli-${randomBytes(4).toString('hex')}`;

describe('the hearth CLI against a running console', () => {
  let nats: TestNats;
  let hearthConsole: RunningConsole;
  /** The CLI runs here, away from the repository's own .hearth/admin-token. */
  let workDir: string;
  const outputs: string[] = [];

  /** `hearth …` as an operator types it; env replaces, never adds to, the caller's HEARTH_* settings. */
  const hearth = async (args: string[], env: Record<string, string> = {}) => {
    const inherited = { ...process.env };
    delete inherited.HEARTH_TOKEN;
    const run = await runCli(args, {
      cwd: workDir,
      env: { ...inherited, HEARTH_CONSOLE_URL: hearthConsole.url, ...env },
    });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  const asAdmin = (...args: string[]) => hearth(args, { HEARTH_TOKEN: hearthConsole.adminToken });

  /**
   * No driver runs here: answers the deployment's provision command on the real broker as the driver
   * would when it refuses a spec (started, then failed with `reason`), and returns that command.
   */
  const refuseProvisioning = async (target: string, reason: string): Promise<DriverCommand> => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      let command: DriverCommand | undefined;
      for (let i = 0; i < 200 && !command; i++, await sleep(50)) {
        const message = (await streamMessages(jsm, Streams.driverCommands.name)).find(
          (m) => m.subject === Subjects.driverCommand('localdocker', DEFAULT_ENGINE, target),
        );
        if (message) command = DriverCommand.parse(JSON.parse(Buffer.from(message.data).toString('utf8')));
      }
      if (!command) throw new Error(`no provision command for ${target}`);
      for (const [type, data] of [
        ['ProvisioningStartedV1', { slug: target, command_id: command.id }],
        ['ProvisioningFailedV1', { slug: target, command_id: command.id, reason }],
      ] as const) {
        await publishDriverEvent(jsm, type, data);
      }
      return command;
    } finally {
      await nc.close();
    }
  };

  beforeAll(async () => {
    nats = await startNats();
    hearthConsole = await startConsoleProcess(nats.url);
    // The workspaces this spec deploys to must be in the tenancy tree.
    for (const workspace of [slug, `${slug}-refused`]) {
      await registerWorkspace(hearthConsole.url, hearthConsole.adminToken, workspace);
    }
    workDir = await mkdtemp(join(tmpdir(), 'hearth-cli-'));
  });
  afterAll(async () => {
    await hearthConsole?.stop();
    await nats?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates a deployment and prints it as a table', async () => {
    const run = await asAdmin('deploy', 'create', slug, '--tier', 'dev', '--sidecar', 'postgres=postgres:16');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [header, row] = run.stdout.trimEnd().split('\n');
    expect(header!.split(/\s+/)).toEqual([
      'SLUG',
      'STATUS',
      'TIER',
      'DRIVER',
      'ENGINE',
      'ENDPOINT',
      'SECRETS',
      'CREATED',
    ]);
    expect(row!.split(/\s+/).slice(0, 7)).toEqual([
      slug,
      'requested',
      'dev',
      'localdocker',
      DEFAULT_ENGINE,
      '-',
      `vault://hearth/${slug}`,
    ]);
  });

  it('gets it as JSON: the DeploymentRef and nothing else', async () => {
    const run = await asAdmin('deploy', 'get', slug, '--json');
    expect(run.code).toBe(0);
    const ref = DeploymentRef.parse(JSON.parse(run.stdout));
    expect(ref).toMatchObject({ workspace_slug: slug, tier: 'dev', last_status: 'requested' });
    expect(ref.secrets_vault_path).toBe(`vault://hearth/${slug}`);
  });

  it('lists it, in the table and in the JSON page', async () => {
    const table = await asAdmin('deploy', 'list', '--status', 'requested');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').some((line) => line.startsWith(`${slug} `))).toBe(true);

    const page = DeploymentList.parse(JSON.parse((await asAdmin('deploy', 'list', '--limit', '1', '--json')).stdout));
    expect(page.items.map((r) => r.workspace_slug)).toEqual([slug]);
    expect(page.next_cursor).toBeNull();
  });

  it('prints the console error code and exits 1 when the console refuses', async () => {
    const again = await asAdmin('deploy', 'create', slug, '--tier', 'dev');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error CONSOLE.DEPLOYMENT_EXISTS:');
    expect(again.stdout).toBe('');

    // With no driver running it stays requested, which cannot be torn down before it is provisioned.
    const early = await asAdmin('deploy', 'rm', slug);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('error CONSOLE.ILLEGAL_TRANSITION:');
    expect((await asAdmin('deploy', 'get', 'nobody-here')).stderr).toContain('error CONSOLE.DEPLOYMENT_NOT_FOUND:');
  });

  it('issues an auditor token, which reads but may not create', async () => {
    const run = await asAdmin('token', 'create', 'ci-bot', '--role', 'auditor', '--json');
    expect(run.code).toBe(0);
    const created = TokenCreated.parse(JSON.parse(run.stdout));
    expect(created).toMatchObject({ name: 'ci-bot', role: 'auditor' });
    expect(created.token.length).toBeGreaterThanOrEqual(32);
    expect(run.stderr).toContain('only time');

    const auditor = { HEARTH_TOKEN: created.token };
    expect((await hearth(['deploy', 'get', slug], auditor)).code).toBe(0);
    const forbidden = await hearth(['deploy', 'create', `${slug}-2`, '--tier', 'dev'], auditor);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('error AUTH.FORBIDDEN:');
    expect(forbidden.stderr).not.toContain(created.token);
  });

  it('revokes a token, which the console then refuses', async () => {
    const created = TokenCreated.parse(
      JSON.parse((await asAdmin('token', 'create', 'ci-bot-revoked', '--role', 'auditor', '--json')).stdout),
    );
    const asRevoked = () => hearth(['deploy', 'list'], { HEARTH_TOKEN: created.token });
    expect((await asRevoked()).code).toBe(0);
    const run = await asAdmin('token', 'revoke', 'ci-bot-revoked');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^REVOKED\s+ROLE\s+ID\nci-bot-revoked\s+auditor\s+[0-9a-f-]{36}\n$/);
    const refused = await asRevoked();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error AUTH.UNAUTHENTICATED:');
    expect((await asAdmin('token', 'revoke', 'ci-bot-revoked')).stderr).toContain('error CONSOLE.TOKEN_NOT_FOUND:');
  });

  it('prints the token in readable form too, once, with the warning', async () => {
    const run = await asAdmin('token', 'create', 'ci-bot-2', '--role', 'operator');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME\s+ROLE\s+ID\nci-bot-2\s+operator\s+[0-9a-f-]{36}\n\ntoken: \S{32,}\n$/);
    expect(run.stderr).toContain('only time');
  });

  it('refuses a bad slug before calling the console', async () => {
    // The URL points at a closed port: reaching for the console would fail with HEARTH.UNAVAILABLE instead.
    const closed = `http://127.0.0.1:${await freePort()}`;
    for (const args of [
      ['deploy', 'create', 'A', '--tier', 'dev'],
      ['deploy', 'get', 'A'],
      ['deploy', 'history', 'A'],
      ['deploy', 'rm', '../x'],
    ]) {
      const run = await hearth(args, { HEARTH_TOKEN: hearthConsole.adminToken, HEARTH_CONSOLE_URL: closed });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('error CONSOLE.INVALID_SLUG:');
    }
    const badTier = await hearth(['deploy', 'create', 'ok', '--tier', 'gold'], { HEARTH_CONSOLE_URL: closed });
    expect(badTier.code).toBe(1);
    expect(badTier.stderr).toContain('error HEARTH.INVALID_REQUEST: tier:');
  });

  it('exits 2 on a usage error', async () => {
    const missingTier = await asAdmin('deploy', 'create', slug);
    expect(missingTier.code).toBe(2);
    expect(missingTier.stderr).toContain('--tier');
    expect((await asAdmin('deploy', 'create', 'ok', '--tier', 'dev', '--sidecar', 'postgres')).code).toBe(2);
    expect((await asAdmin('deploy', 'launch')).code).toBe(2);
  });

  it('names the URL when the console cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await hearth(['deploy', 'list'], {
      HEARTH_TOKEN: hearthConsole.adminToken,
      HEARTH_CONSOLE_URL: closed,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error HEARTH.UNAVAILABLE: cannot reach the console at ${closed}`);
  });

  it('finds the token in .hearth/admin-token, and says to set HEARTH_TOKEN when there is none', async () => {
    const none = await hearth(['deploy', 'get', slug]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('HEARTH_TOKEN');

    await mkdir(join(workDir, '.hearth'));
    await writeFile(join(workDir, '.hearth/admin-token'), `${hearthConsole.adminToken}\n`);
    const fromFile = await hearth(['deploy', 'get', slug, '--json']);
    expect(fromFile.code).toBe(0);
    expect(DeploymentRef.parse(JSON.parse(fromFile.stdout)).workspace_slug).toBe(slug);
  });

  it('shows why a deployment failed: under `deploy get`, and in the `deploy history` timeline', async () => {
    const refused = `${slug}-refused`;
    expect(
      (await asAdmin('deploy', 'create', refused, '--tier', 'dev', '--sidecar', 'postgres=postgres:16')).code,
    ).toBe(0);
    const reason =
      'DRIVER.AUTH_WEAKENED: sidecar postgres sets POSTGRES_HOST_AUTH_METHOD, which lets a login in without the credential';
    const command = await refuseProvisioning(refused, reason);

    let get = await asAdmin('deploy', 'get', refused);
    for (let i = 0; i < 100 && !get.stdout.includes(' failed '); i++, await sleep(50)) {
      get = await asAdmin('deploy', 'get', refused);
    }
    expect(get.code).toBe(0);
    const [, row, blank, why] = get.stdout.trimEnd().split('\n');
    expect(row!.split(/\s+/).slice(0, 2)).toEqual([refused, 'failed']);
    expect([blank, why]).toEqual(['', `failed: ${reason}`]);
    // --json stays the DeploymentRef alone.
    expect(
      Object.keys(DeploymentRef.parse(JSON.parse((await asAdmin('deploy', 'get', refused, '--json')).stdout))),
    ).not.toContain('reason');

    const history = await asAdmin('deploy', 'history', refused);
    expect(history).toMatchObject({ code: 0, stderr: '' });
    const lines = history.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['VERSION', 'OCCURRED', 'STATUS', 'COMMAND', 'DETAIL']);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      ['1', expect.any(String), 'requested', command.id],
      ['2', expect.any(String), 'provisioning', command.id],
      ['3', expect.any(String), 'failed', command.id],
    ]);
    expect(lines[3]!.endsWith(`  ${reason}`)).toBe(true);
    // Aligned: every column starts where its header does.
    const detailAt = lines[0]!.indexOf('DETAIL');
    expect(lines[3]!.indexOf('DRIVER.AUTH_WEAKENED')).toBe(detailAt);

    const json = DeploymentHistory.parse(JSON.parse((await asAdmin('deploy', 'history', refused, '--json')).stdout));
    expect(json.entries.map((e) => [e.status, e.reason])).toEqual([
      ['requested', null],
      ['provisioning', null],
      ['failed', reason],
    ]);
    expect((await asAdmin('deploy', 'history', 'nobody-here')).stderr).toContain('error CONSOLE.DEPLOYMENT_NOT_FOUND:');
  });

  it('the demo, when the driver refuses its deployment, ends with the driver’s reason', async () => {
    const demoSlug = `${slug}-demo`;
    const reason = 'DRIVER.PRIVILEGED_REFUSED: sidecar postgres asks to run privileged';
    const demo = asAdmin('demo', '--slug', demoSlug, '--image', 'postgres:16');
    await refuseProvisioning(demoSlug, reason);
    const run = await demo;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      / failed\n\s+reason: DRIVER\.PRIVILEGED_REFUSED: sidecar postgres asks to run privileged\n/,
    );
    expect(run.stderr).toContain(`npm run hearth -- deploy history ${demoSlug}`);
  });

  it('never prints the admin token', () => {
    expect(outputs.length).toBeGreaterThan(0);
    expect(outputs.join('\n')).not.toContain(hearthConsole.adminToken);
  });
});
