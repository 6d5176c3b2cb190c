import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EngineHealth, EngineInfo, LeaseInfo, LeaseRenewed, LeaseRoleInfo, LeasesRevoked } from '@hearth/contracts';
import {
  runCli,
  startNats,
  startPostgresCluster,
  startVaultProcess,
  type CliRun,
  type PostgresCluster,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `hearth engine …`, `hearth role …` and `hearth lease …` as an operator types them, against a vault and a real password-checking Postgres. */
describe('the hearth CLI for dynamic credentials', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let cluster: PostgresCluster;
  let workDir: string;
  let rootKeyFile: string;

  const hearth = (args: string[], input = '') =>
    runCli(args, {
      cwd: workDir,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        HEARTH_KEY_FILE: rootKeyFile,
        VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
      },
      input,
    });
  const json = <T>(run: CliRun): T => {
    expect(run).toMatchObject({ code: 0 });
    return JSON.parse(run.stdout) as T;
  };
  const configure = (name: string, port: number) =>
    hearth([
      'engine',
      'configure',
      name,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--database',
      'postgres',
      '--sslmode',
      'disable',
      '--root-path',
      'infra/postgres/reporting/root',
      '--workspace',
      'acme',
      '--rotation-days',
      '30',
      '--json',
    ]);

  beforeAll(async () => {
    [nats, cluster] = await Promise.all([startNats(), startPostgresCluster()]);
    vault = await startVaultProcess(nats.url);
    workDir = await mkdtemp(join(tmpdir(), 'hearth-lease-cli-'));
    rootKeyFile = join(workDir, 'root.json');
    await writeFile(rootKeyFile, JSON.stringify({ name: 'root', ...vault.rootKeys }), { mode: 0o600 });
  });
  afterAll(async () => {
    await vault?.stop();
    await Promise.all([nats?.stop(), cluster?.stop()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('configures an engine from its root credential, shows it and its health, and never prints the password', async () => {
    const root = await hearth(
      ['secret', 'write', 'infra/postgres/reporting/root', `username=${cluster.user}`, 'password=-'],
      `${cluster.password}\n`,
    );
    expect(root.code).toBe(0);
    const configured = EngineInfo.parse(json(await configure('reporting', cluster.port)));
    expect(configured).toMatchObject({ name: 'reporting', workspace: 'acme', rotation_days: 30, root_version: 1 });

    const shown = await hearth(['engine', 'get', 'reporting']);
    expect(shown.stdout).toMatch(/address\s+127\.0\.0\.1:\d+\/postgres \(sslmode disable\)/);
    expect(shown.stdout).toMatch(/root credential\s+infra\/postgres\/reporting\/root v1/);
    const listed = EngineInfo.array().parse(json(await hearth(['engine', 'list', '--json'])));
    expect(listed.map((e) => e.name)).toEqual(['reporting']);
    const health = EngineHealth.parse(json(await hearth(['engine', 'health', 'reporting', '--json'])));
    expect(health).toMatchObject({ reachable: true, root_login: true, may_create_roles: true });
    for (const run of [root, shown]) expect(run.stdout + run.stderr).not.toContain(cluster.password);
  });

  it('prints the stable code of a refusal', async () => {
    const unreachable = await configure('elsewhere', 1);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('error VAULT.ENGINE_INVALID_CONFIG:');
    expect(unreachable.stderr).not.toContain(cluster.password);
    expect((await hearth(['engine', 'get', 'elsewhere'])).stderr).toContain('error VAULT.ENGINE_NOT_FOUND:');
    expect((await hearth(['lease', 'issue', 'readonly', '--ttl', 'soon'])).stderr).toContain(
      'error HEARTH.INVALID_REQUEST: --ttl is a whole number',
    );
  });

  it('creates a role from a YAML file with options over it, lists, shows and deletes it', async () => {
    await writeFile(
      join(workDir, 'readonly.yaml'),
      [
        'engine: reporting',
        'creation_statements:',
        `  - CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        'default_ttl: 1h',
        'max_ttl: 1d',
      ].join('\n'),
    );
    const created = LeaseRoleInfo.parse(
      json(await hearth(['role', 'create', 'readonly', '--file', 'readonly.yaml', '--default-ttl', '15m', '--json'])),
    );
    expect(created).toMatchObject({ name: 'readonly', engine: 'reporting', default_ttl: 900, max_ttl: 86_400 });
    const fromOptions = await hearth([
      'role',
      'create',
      'writer',
      '--engine',
      'reporting',
      '--creation-statement',
      `CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}'`,
      '--creation-statement',
      'GRANT pg_read_all_data TO "{{name}}"',
      '--max-ttl',
      '2h',
      '--default-ttl',
      '30m',
    ]);
    expect(fromOptions.code).toBe(0);
    expect(fromOptions.stdout).toContain('defined writer on reporting');

    const listed = LeaseRoleInfo.array().parse(json(await hearth(['role', 'list', '--engine', 'reporting', '--json'])));
    expect(listed.map((r) => [r.name, r.default_ttl, r.max_ttl, r.creation_statements.length])).toEqual([
      ['readonly', 900, 86_400, 1],
      ['writer', 1800, 7200, 2],
    ]);
    expect((await hearth(['role', 'get', 'writer'])).stdout).toContain('GRANT pg_read_all_data TO "{{name}}"');

    const injected = await hearth([
      'role',
      'create',
      'evil',
      '--engine',
      'reporting',
      '--creation-statement',
      'CREATE ROLE "{{name}}"; {{shell}}',
    ]);
    expect(injected.stderr).toContain('error VAULT.ROLE_INVALID:');

    expect(await hearth(['role', 'delete', 'writer'])).toMatchObject({ code: 0, stdout: 'deleted writer\n' });
    expect((await hearth(['role', 'get', 'writer'])).stderr).toContain('error VAULT.ROLE_NOT_FOUND:');
  });

  it('issues a lease whose password is shown once and logs in, lists, renews and revokes it, and revokes by prefix', async () => {
    const issued = json<{ lease_id: string; username: string; password: string; expires_at: string }>(
      await hearth(['lease', 'issue', 'readonly', '--ttl', '10m', '--json']),
    );
    expect(issued.lease_id).toMatch(/^db\/creds\/readonly\//);
    expect(await cluster.logsIn(issued.username, issued.password)).toBe(true);
    expect(await cluster.logsIn(issued.username, `${issued.password}x`)).toBe(false);

    const readable = await hearth(['lease', 'issue', 'readonly']);
    expect(readable.stdout).toMatch(/^password\s+\S+$/m);
    const second = /^lease id\s+(\S+)$/m.exec(readable.stdout)![1]!;

    const listed = LeaseInfo.array().parse(json(await hearth(['lease', 'list', '--role', 'readonly', '--json'])));
    expect(listed.map((l) => [l.lease_id, l.state])).toEqual([
      [second, 'active'],
      [issued.lease_id, 'active'],
    ]);
    const table = await hearth(['lease', 'list', '--state', 'active']);
    expect(table.stdout).toContain(issued.username);
    expect(table.stdout + JSON.stringify(listed)).not.toContain(issued.password);

    const renewed = LeaseRenewed.parse(
      json(await hearth(['lease', 'renew', issued.lease_id, '--ttl', '30m', '--json'])),
    );
    expect(Date.parse(renewed.expires_at)).toBeGreaterThan(Date.parse(issued.expires_at));
    // Past the role's max TTL a renewal is capped there.
    const capped = LeaseRenewed.parse(json(await hearth(['lease', 'renew', issued.lease_id, '--ttl', '2d', '--json'])));
    expect(capped.expires_at).toBe(capped.max_expires_at);

    const revoked = LeasesRevoked.parse(json(await hearth(['lease', 'revoke', issued.lease_id, '--json'])));
    expect(revoked).toEqual({ revoked: [issued.lease_id], forced: [], failed: [] });
    expect(await cluster.logsIn(issued.username, issued.password)).toBe(false);

    const byPrefix = await hearth(['lease', 'revoke', '--prefix', 'db/creds/readonly']);
    expect(byPrefix).toMatchObject({ code: 0, stdout: `revoked ${second}\n` });
    expect((await hearth(['lease', 'revoke', issued.lease_id, '--prefix', 'db/creds/'])).stderr).toContain(
      'error HEARTH.INVALID_REQUEST: name a lease id or --prefix, not both',
    );
  });
});
