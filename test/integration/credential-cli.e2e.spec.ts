import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CredentialDetails,
  CredentialTestResult,
  CredentialTypeInfo,
  SecretMetadata,
  SYSTEM_CREDENTIAL_TYPES,
  HatchStream,
  type OpenedSecret,
} from '@hearth/contracts';
import {
  eventMark,
  eventsSince,
  runCli,
  startNats,
  startPostgresCluster,
  startVaultProcess,
  streamMessages,
  until,
  type CliRun,
  type PostgresCluster,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `hearth credential …` as an operator types it, against a vault and a Postgres that really checks passwords. */
describe('the hearth CLI for typed credentials', () => {
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
  /** A postgres credential for the cluster, its password on stdin (never in argv). */
  const createPostgres = (path: string, password: string, ...more: string[]) =>
    hearth(
      [
        'credential',
        'create',
        path,
        '--type',
        'postgres',
        'host=127.0.0.1',
        `port=${cluster.port}`,
        `username=${cluster.user}`,
        'password=-',
        'sslmode=disable',
        ...more,
      ],
      `${password}\n`,
    );
  const read = (path: string) => hearth(['secret', 'read', path, '--json']);

  beforeAll(async () => {
    [nats, cluster] = await Promise.all([startNats(), startPostgresCluster()]);
    vault = await startVaultProcess(nats.url);
    workDir = await mkdtemp(join(tmpdir(), 'hearth-credential-cli-'));
    rootKeyFile = join(workDir, 'root.json');
    await writeFile(rootKeyFile, JSON.stringify({ name: 'root', ...vault.rootKeys }), { mode: 0o600 });
  });
  afterAll(async () => {
    await vault?.stop();
    await Promise.all([nats?.stop(), cluster?.stop()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('lists the credential types, secret fields marked, as a table and as JSON', async () => {
    const table = await hearth(['credential', 'types']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^TYPE\s+NAME\s+CATEGORY\s+FIELDS/);
    expect(table.stdout).toMatch(/^postgres\s+PostgreSQL\s+database\s+host\* port database username\* \[password\*\]/m);
    const types = CredentialTypeInfo.array().parse(json(await hearth(['credential', 'types', '--json'])));
    expect(types.map((t) => t.name)).toEqual([...SYSTEM_CREDENTIAL_TYPES.keys()]);
    expect(types.find((t) => t.name === 'postgres')).toMatchObject({ system: true, tester: 'postgres' });
  });

  it('creates a postgres credential that tests OK; a wrong password tests FAILED with exit 1', async () => {
    const created = await createPostgres('acme/db/main', cluster.password, '--description', 'the main database');
    expect(created).toMatchObject({ code: 0, stdout: 'acme/db/main is at version 1\n' });
    const ok = await hearth(['credential', 'test', 'acme/db/main']);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^OK: .* \(version 1\)\n$/);

    const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
    expect((await createPostgres('acme/db/wrong', wrongPassword)).code).toBe(0);
    const failed = await hearth(['credential', 'test', 'acme/db/wrong']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAILED: password authentication failed/);
    const result = CredentialTestResult.parse(json(await hearth(['credential', 'test', 'acme/db/main', '--json'])));
    expect(result).toMatchObject({ status: 'OK', version: 1 });
    for (const run of [created, ok, failed]) {
      expect(run.stdout + run.stderr).not.toContain(cluster.password);
      expect(run.stdout + run.stderr).not.toContain(wrongPassword);
    }
  });

  it("waits out the vault's own test timeout: a host that never answers prints TIMEOUT, exit 1", async () => {
    // Accepts connections and never says a word; the vault runs with its default test timeout (5 s).
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    try {
      const port = (silent.address() as AddressInfo).port;
      const created = await hearth(
        [
          'credential',
          'create',
          'lab/silent/db',
          '--type',
          'postgres',
          'host=127.0.0.1',
          `port=${port}`,
          'username=app',
          'password=-',
        ],
        'whatever\n',
      );
      expect(created.code).toBe(0);
      const timedOut = await hearth(['credential', 'test', 'lab/silent/db']);
      expect(timedOut.code).toBe(1);
      expect(timedOut.stdout).toMatch(/^TIMEOUT: /);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });

  it("refuses invalid fields, naming each field's code and never its value", async () => {
    const badPort = `not-a-port-${randomBytes(6).toString('hex')}`;
    const refused = await hearth(
      ['credential', 'create', 'acme/db/bad', '--type', 'postgres', 'host=127.0.0.1', `port=${badPort}`, 'colour=blue'],
      '',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error VAULT.INVALID_FIELDS:');
    expect(refused.stderr).toContain('port: VAULT.FIELD_INVALID');
    expect(refused.stderr).toContain('username: VAULT.FIELD_REQUIRED');
    expect(refused.stderr).toContain('password: VAULT.FIELD_REQUIRED');
    expect(refused.stderr).toContain('colour: VAULT.FIELD_UNKNOWN');
    expect(refused.stdout + refused.stderr).not.toContain(badPort);
    expect((await hearth(['credential', 'get', 'acme/db/bad'])).stderr).toContain('error VAULT.SECRET_NOT_FOUND:');
  });

  it('shows a credential: metadata fields in clear, the last test, versions and history, never the password', async () => {
    const details = CredentialDetails.parse(json(await hearth(['credential', 'get', 'acme/db/main', '--json'])));
    expect(details).toMatchObject({
      path: 'acme/db/main',
      type: 'postgres',
      environment: 'production',
      provider: 'USER',
      active: true,
      current_version: 1,
      description: 'the main database',
      fields: {
        host: '127.0.0.1',
        port: String(cluster.port),
        database: 'postgres',
        username: cluster.user,
        sslmode: 'disable',
      },
      test_status: 'OK',
    });
    expect(details.fields).not.toHaveProperty('password');
    expect(details.value_names).toContain('password');
    expect(details.versions.map((v) => v.version)).toEqual([1]);
    expect(details.history.map((h) => h.type)).toEqual(
      expect.arrayContaining(['SecretVersionWrittenV1', 'CredentialTestedV1']),
    );
    const table = await hearth(['credential', 'get', 'acme/db/main']);
    expect(table.stdout).toMatch(/^secret fields\s+password \(never shown\)/m);
    expect(table.stdout).toMatch(/^last test\s+OK at /m);
    expect(table.stdout + JSON.stringify(details)).not.toContain(cluster.password);
  });

  it('lists by type and by expiry', async () => {
    const soon = new Date(Date.now() + 30 * 60_000).toISOString();
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const api = (path: string, expiresAt: string) =>
      hearth([
        'credential',
        'create',
        path,
        '--type',
        'generic',
        `API_KEY=${randomBytes(8).toString('hex')}`,
        '--expires-at',
        expiresAt,
      ]);
    expect((await api('acme/api/soon', soon)).code).toBe(0);
    expect((await api('acme/api/later', later)).code).toBe(0);

    const paths = async (args: string[]) =>
      SecretMetadata.array()
        .parse(json(await hearth(['credential', 'list', 'acme/', ...args, '--json'])))
        .map((c) => c.path)
        .sort();
    expect(await paths(['--type', 'postgres'])).toEqual(['acme/db/main', 'acme/db/wrong']);
    expect(await paths(['--expiring-within', '1h'])).toEqual(['acme/api/soon']);
    expect(await paths(['--expiring-within', '7d'])).toEqual(['acme/api/later', 'acme/api/soon']);
    const table = await hearth(['credential', 'list', 'acme/db/']);
    expect(table.stdout).toMatch(/^acme\/db\/main\s+postgres\s+production\s+USER\s+1\s+yes\s+OK/m);
    expect((await hearth(['credential', 'list', '--expiring-within', 'soon'])).stderr).toContain(
      'error HEARTH.INVALID_REQUEST:',
    );
  });

  it('rotates a USER credential with the new fields given: a new version, read at once', async () => {
    const next = `rotated-${randomBytes(12).toString('hex')}`;
    expect((await createPostgres('acme/db/rotating', 'first-password')).code).toBe(0);
    const rotated = await hearth(
      [
        'credential',
        'rotate',
        'acme/db/rotating',
        'host=127.0.0.1',
        `port=${cluster.port}`,
        `username=${cluster.user}`,
        'password=-',
        'sslmode=disable',
      ],
      `${next}\n`,
    );
    expect(rotated).toMatchObject({ code: 0, stdout: 'acme/db/rotating: version 2 promoted\n' });
    expect(json<OpenedSecret>(await read('acme/db/rotating'))).toMatchObject({
      version: 2,
      values: { password: next, username: cluster.user },
    });
    const details = CredentialDetails.parse(json(await hearth(['credential', 'get', 'acme/db/rotating', '--json'])));
    expect(details.last_rotated_at).not.toBeNull();
    expect(details.history.map((h) => h.type)).toContain('CredentialRotatedV1');
  });

  it('updates a credential by a new version, keeping its type, environment, description and expiry', async () => {
    const staging = await hearth(
      [
        'credential',
        'create',
        'acme/db/staging',
        '--type',
        'postgres',
        '--environment',
        'staging',
        '--description',
        'the staging database',
        '--expires-at',
        new Date(Date.now() + 30 * 60_000).toISOString(),
        'host=127.0.0.1',
        `port=${cluster.port}`,
        `username=${cluster.user}`,
        'password=-',
      ],
      'first\n',
    );
    expect(staging.code).toBe(0);
    const updated = await hearth(
      [
        'credential',
        'update',
        'acme/db/staging',
        'host=127.0.0.1',
        `port=${cluster.port}`,
        'username=app',
        'password=-',
      ],
      'second\n',
    );
    expect(updated).toMatchObject({ code: 0, stdout: 'acme/db/staging is at version 2\n' });
    const details = CredentialDetails.parse(json(await hearth(['credential', 'get', 'acme/db/staging', '--json'])));
    expect(details).toMatchObject({
      type: 'postgres',
      environment: 'staging',
      description: 'the staging database',
      expires_at: expect.any(String),
      current_version: 2,
      fields: { username: 'app' },
    });
    const retyped = await hearth(['credential', 'update', 'acme/db/staging', '--type', 'generic', 'API_KEY=k']);
    expect(retyped.stderr).toContain('error VAULT.TYPE_CONFLICT:');
  });

  it('deactivates (reads refused, recorded INACTIVE in the vault and HATCH), activates, deletes', async () => {
    const mark = await eventMark(vault.db.name);
    expect(await hearth(['credential', 'deactivate', 'acme/db/main'])).toMatchObject({
      code: 0,
      stdout: 'acme/db/main is inactive\n',
    });
    const refused = await read('acme/db/main');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error VAULT.CREDENTIAL_INACTIVE:');
    const inactive = SecretMetadata.array().parse(
      json(await hearth(['credential', 'list', 'acme/db/', '--inactive', '--json'])),
    );
    expect(inactive.map((c) => c.path)).toEqual(['acme/db/main']);

    const reads = await eventsSince(vault.db.name, mark, { type: 'SecretReadV1' });
    expect(reads.map((e) => [e.data.path, e.data.outcome])).toEqual([['acme/db/main', 'INACTIVE']]);
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await until(
        async () =>
          (await streamMessages(jsm, HatchStream.name)).some(
            (m) => m.subject.endsWith('.secret.read') && Buffer.from(m.data).toString().includes(reads[0]!.id),
          ),
        { what: 'the INACTIVE read in HATCH', timeoutMs: 20_000 },
      );
    } finally {
      await nc.close();
    }

    expect(await hearth(['credential', 'activate', 'acme/db/main'])).toMatchObject({
      code: 0,
      stdout: 'acme/db/main is active\n',
    });
    expect(json<OpenedSecret>(await read('acme/db/main')).values).toMatchObject({ password: cluster.password });

    const deleted = await hearth(['credential', 'delete', 'acme/db/main']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'deleted acme/db/main: versions 1 shredded\n' });
    expect((await read('acme/db/main')).stderr).toContain('error VAULT.SECRET_NOT_FOUND:');
  });

  it('defines a custom type from a JSON file, then creates a credential of it', async () => {
    await writeFile(
      join(workDir, 'acme-api.json'),
      JSON.stringify({
        name: 'acme_api',
        display_name: 'ACME API',
        category: 'http',
        fields: [
          { name: 'endpoint', display_name: 'Endpoint', kind: 'string', format: 'url', required: true },
          { name: 'api_key', display_name: 'API key', kind: 'password', required: true },
        ],
      }),
    );
    expect(await hearth(['credential', 'define-type', 'acme-api.json'])).toMatchObject({
      code: 0,
      stdout: 'acme_api is at version 1\n',
    });
    const types = CredentialTypeInfo.array().parse(json(await hearth(['credential', 'types', '--json'])));
    expect(types.find((t) => t.name === 'acme_api')).toMatchObject({ system: false, version: 1, tester: null });

    const key = randomBytes(16).toString('hex');
    const created = await hearth(
      [
        'credential',
        'create',
        'acme/api/custom',
        '--type',
        'acme_api',
        'endpoint=https://api.example.test',
        'api_key=-',
      ],
      `${key}\n`,
    );
    expect(created).toMatchObject({ code: 0, stdout: 'acme/api/custom is at version 1\n' });
    const details = CredentialDetails.parse(json(await hearth(['credential', 'get', 'acme/api/custom', '--json'])));
    expect(details).toMatchObject({
      type: 'acme_api',
      type_version: 1,
      fields: { endpoint: 'https://api.example.test' },
    });
    const untestable = await hearth(['credential', 'test', 'acme/api/custom']);
    expect(untestable.stderr).toContain('error VAULT.TEST_UNSUPPORTED:');
  });

  it('refuses a rotation schedule on a USER credential', async () => {
    const refused = await hearth(['credential', 'schedule', 'acme/db/wrong', '--every', '30d']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error VAULT.ROTATION_UNSUPPORTED:');
    expect((await hearth(['credential', 'schedule', 'acme/db/wrong', '--every', '36h'])).stderr).toContain(
      'error HEARTH.INVALID_REQUEST: --every is whole days',
    );
  });
});
