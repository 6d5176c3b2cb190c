import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady, generatePrincipalKeys, HearthError, VaultClient, type SecretValues } from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  jetStreamText,
  queryDatabase,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  startPostgresCluster,
  startVaultProcess,
  until,
  type PostgresCluster,
  type RunningConsole,
  type RunningHatch,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

const TEST_TIMEOUT_MS = 1_500;

/**
 * Typed credentials, attacked through the running vault: a canary password looked for everywhere a
 * failed test could leave it, another writer after a driver's rotation work, custom types and writes
 * shaped to smuggle a secret into metadata or to overflow, and a test aimed at a server that never
 * answers.
 */
describe('attack: credential abuse', () => {
  let nats: TestNats;
  let cluster: PostgresCluster;
  let vault: RunningVault;
  let hatch: RunningHatch;
  let hearthConsole: RunningConsole;
  let nc: NatsConnection;
  let root: VaultClient;
  /** Everything published on the bus while the suite runs, as text. */
  const seenOnBus: string[] = [];

  const codeOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
    );
  const principal = async (name: string, pattern: string, capabilities: Array<'read' | 'write' | 'list'>) => {
    const keys = generatePrincipalKeys();
    await root.createPrincipal(name, keys.publicKey);
    await root.grant(name, { pattern, capabilities });
    const client = new VaultClient(nc, name, keys, { vaultSealKey: vault.sealPublicKey, timeoutMs: 10_000 });
    await client.openSession(); // before any test marks where its events begin
    return client;
  };
  const postgresValues = (password: string, port = cluster.port): SecretValues => ({
    host: '127.0.0.1',
    port: String(port),
    username: cluster.user,
    password,
    sslmode: 'disable',
  });

  beforeAll(async () => {
    await cryptoReady();
    [nats, cluster] = await Promise.all([startNats(), startPostgresCluster()]);
    vault = await startVaultProcess(nats.url, {
      VAULT_CREDENTIAL_TEST_TIMEOUT_MS: String(TEST_TIMEOUT_MS),
      VAULT_CREDENTIAL_WORK_CLAIM_SECONDS: '1',
    });
    [hatch, hearthConsole] = await Promise.all([
      startHatchProcess(nats.url),
      startConsoleProcess(nats.url, { LOG_LEVEL: 'debug' }),
    ]);
    nc = await connect({ servers: nats.url });
    nc.subscribe('>', {
      callback: (_, m) => {
        const headers = [...(m.headers?.keys() ?? [])].map((k) => `${k}: ${m.headers!.get(k)}`);
        seenOnBus.push([m.subject, ...headers, m.string()].join('\n'));
      },
    });
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await nc?.close();
    await Promise.all([vault?.stop(), hatch?.stop(), hearthConsole?.stop()]);
    await Promise.all([nats?.stop(), cluster?.stop()]);
  });

  it('leaves a canary password of a failing test nowhere but the vault’s ciphertext', async () => {
    const canary = `CANARY${randomBytes(16).toString('hex')}`;
    await root.write({ path: 'acme/db/canary', type: 'postgres', values: postgresValues(canary) });
    const result = await root.testCredential('acme/db/canary');
    expect(result).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/password authentication failed/),
    });
    // HATCH has the test recorded: everything the test caused has reached hatch's database.
    await until(
      async () =>
        (
          await queryDatabase<{ n: number }>(
            hatch.db.name,
            "SELECT count(*)::int AS n FROM audit_log WHERE action = 'credential.test' AND subject_path = $1",
            ['acme/db/canary'],
          )
        )[0]!.n === 1,
      { what: 'the test recorded in HATCH', timeoutMs: 20_000 },
    );

    // The vault's database, but for the four columns a value is sealed in.
    const vaultTables = await queryDatabase<{ tablename: string }>(
      vault.db.name,
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'secret_versions'",
    );
    const vaultRows = await Promise.all([
      ...vaultTables.map(({ tablename }) =>
        queryDatabase<{ t: string }>(vault.db.name, `SELECT t::text AS t FROM "${tablename}" t`),
      ),
      queryDatabase<{ t: string }>(
        vault.db.name,
        'SELECT (path, version, created_at, created_by, deleted, destroyed, format, kek_id)::text AS t FROM secret_versions',
      ),
    ]);
    const places: Record<string, string> = {
      'test message': JSON.stringify([result, await root.list('acme/db/'), await root.credential('acme/db/canary')]),
      bus: seenOnBus.join('\n'),
      streams: await jetStreamText(await jetstreamManager(nc)),
      'vault output': vault.process.output.join('\n'),
      'hatch output': hatch.process.output.join('\n'),
      'console output': hearthConsole.process.output.join('\n'),
      'postgres server log': cluster.serverLog(),
      'vault database (outside the ciphertext)': vaultRows
        .flat()
        .map((r) => r.t)
        .join('\n'),
      'hatch database': await databaseText(hatch.db.name),
      'console database': await databaseText(hearthConsole.db.name),
    };
    for (const [place, text] of Object.entries(places)) {
      expect([place, text.includes(canary)]).toEqual([place, false]);
    }
    // And the scan can see it: the value is there, sealed, for the vault to open.
    expect((await root.read('acme/db/canary')).values.password).toBe(canary);
  });

  it("gives another writer none of a driver's rotation work, and refuses its report of it", async () => {
    const driver = await principal('sidecar-driver', 'acme/*', ['write', 'list']);
    const other = await principal('other-writer', 'acme/*', ['write', 'list']);
    const path = 'acme/sidecar/db';
    const sidecarPassword = randomBytes(24).toString('base64url');
    await driver.write({ path, provider: 'AUTO_MANAGED', type: 'postgres', values: postgresValues(sidecarPassword) });
    expect(await root.rotateCredential(path)).toEqual({ path, state: 'pending', version: 2 });

    // Open work, not yet claimed: still none of it is the other writer's.
    expect(await other.claimCredentialWork()).toEqual([]);
    expect(await codeOf(other.read(path))).toBe('VAULT.POLICY_DENIED');
    const [work] = await driver.claimCredentialWork();
    expect(work).toMatchObject({ path, kind: 'rotate', version: 2 });
    // Sealed to the driver's key alone.
    expect(await codeOf(Promise.resolve().then(() => other.openCredentialWork(work!)))).not.toBeNull();

    const state = () =>
      Promise.all([
        queryDatabase(vault.db.name, 'SELECT * FROM secrets WHERE path = $1', [path]),
        queryDatabase(vault.db.name, 'SELECT * FROM credential_work WHERE path = $1', [path]),
      ]);
    const before = await state();
    const mark = await eventMark(vault.db.name);
    for (const report of [
      { outcome: 'applied' as const },
      { outcome: 'failed' as const, works: 'current' as const },
      { outcome: 'failed' as const, works: 'neither' as const },
    ]) {
      expect(
        await codeOf(other.reportCredentialWork({ id: work!.id, path, version: 2, message: 'taken over', ...report })),
      ).toBe('VAULT.WORK_NOT_FOUND');
    }
    expect(await state()).toEqual(before);
    expect((await root.list(path))[0]).toMatchObject({ current_version: 1, pending_version: 2 });
    expect((await eventsSince(vault.db.name, mark)).filter((e) => e.type !== 'AccessDeniedV1')).toEqual([]);
  });

  it('lets a reader neither test, rotate, deactivate nor schedule a credential, and no writer strand a rotation', async () => {
    const driver = await principal('reader-case-driver', 'crew/*', ['write', 'list']);
    const reader = await principal('crew-reader', 'crew/*', ['read', 'list']);
    const path = 'crew/sidecar/db';
    await driver.write({ path, provider: 'AUTO_MANAGED', type: 'postgres', values: postgresValues('sidecar-value') });
    const before = await queryDatabase(vault.db.name, 'SELECT * FROM secrets WHERE path = $1', [path]);
    const mark = await eventMark(vault.db.name);
    for (const attempt of [
      reader.testCredential(path),
      reader.rotateCredential(path),
      reader.setCredentialActive(path, false),
      reader.scheduleRotation(path, 1),
      reader.defineCredentialType({
        name: 'crew_api',
        display_name: 'Crew',
        category: 'http',
        fields: [{ name: 'key', display_name: 'Key', kind: 'password', required: true }],
      }),
    ]) {
      expect(await codeOf(attempt)).toBe('VAULT.POLICY_DENIED');
    }
    expect(await queryDatabase(vault.db.name, 'SELECT * FROM secrets WHERE path = $1', [path])).toEqual(before);
    const recorded = await eventsSince(vault.db.name, mark);
    expect(recorded.map((e) => e.type)).toEqual(Array(5).fill('AccessDeniedV1'));

    // With a rotation in flight, the sidecar may already hold the new value: a writer other than the
    // driver applying it cannot replace the value and strand it.
    expect(await root.rotateCredential(path)).toMatchObject({ state: 'pending', version: 2 });
    expect(
      await codeOf(root.write({ path, provider: 'AUTO_MANAGED', type: 'postgres', values: postgresValues('mine') })),
    ).toBe('VAULT.ROTATION_IN_PROGRESS');
    expect((await root.list(path))[0]).toMatchObject({ current_version: 1, pending_version: 2 });
  });

  it('refuses a custom type that would keep a secret in clear metadata or give one a default', async () => {
    const type = (field: Record<string, unknown>) => ({
      name: 'leaky_api',
      display_name: 'Leaky API',
      category: 'http',
      fields: [
        { name: 'endpoint', display_name: 'Endpoint', kind: 'string', format: 'url' },
        { name: 'client_secret', display_name: 'Secret', kind: 'password', required: true },
        field,
      ],
    });
    const attempts = [
      { name: 'api_token', display_name: 'API token', kind: 'string' },
      { name: 'pin', display_name: 'PIN', kind: 'password', default: '0000' },
    ];
    for (const field of attempts) {
      expect(await codeOf(root.defineCredentialType(type(field) as never))).toBe('HEARTH.INVALID_REQUEST');
    }
    expect((await root.credentialTypes()).map((t) => t.name)).not.toContain('leaky_api');
  });

  it('refuses an oversized or malformed credential with its code and writes nothing', async () => {
    const mark = await eventMark(vault.db.name);
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`F${i}`, 'x']));
    const attempts: Array<[string, Parameters<VaultClient['write']>[0], string]> = [
      ['33 fields', { path: 'acme/bad/many', values: many }, 'VAULT.VALUE_TOO_LARGE'],
      ['a 17 KiB value', { path: 'acme/bad/big', values: { BLOB: 'x'.repeat(17 * 1024) } }, 'VAULT.VALUE_TOO_LARGE'],
      [
        'an unknown field',
        { path: 'acme/bad/unknown', type: 'postgres', values: { ...postgresValues('p'), colour: 'blue' } },
        'VAULT.INVALID_FIELDS',
      ],
      [
        'control characters',
        {
          path: 'acme/bad/control',
          type: 'postgres',
          values: { ...postgresValues('p'), username: 'app\u001b[2J\u0000' },
        },
        'VAULT.INVALID_FIELDS',
      ],
    ];
    const codes: Array<[string, string | null]> = [];
    for (const [what, write] of attempts) codes.push([what, await codeOf(root.write(write))]);
    expect(codes).toEqual(attempts.map(([what, , code]) => [what, code]));
    expect(await root.list('acme/bad/')).toEqual([]);
    expect(await queryDatabase(vault.db.name, "SELECT path FROM secret_versions WHERE path LIKE 'acme/bad/%'")).toEqual(
      [],
    );
    expect((await eventsSince(vault.db.name, mark)).filter((e) => e.type !== 'AccessDeniedV1')).toEqual([]);
  });

  it('ends a test against a host that never answers TIMEOUT within its timeout, serving reads meanwhile', async () => {
    // Accepts every connection and never says a word.
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => held.push(socket));
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    try {
      const port = (silent.address() as { port: number }).port;
      await root.write({ path: 'acme/db/silent', type: 'postgres', values: postgresValues('whatever', port) });
      await root.write({ path: 'acme/plain', values: { API_KEY: 'k' } });

      const started = Date.now();
      let settled = false;
      const testing = root.testCredential('acme/db/silent').finally(() => (settled = true));
      await until(() => held.length > 0, { what: 'the tester connected', timeoutMs: TEST_TIMEOUT_MS });
      // While the tester waits on the silent server, reads are answered.
      expect((await root.read('acme/plain')).values).toEqual({ API_KEY: 'k' });
      expect(settled).toBe(false);

      const result = await testing;
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ status: 'TIMEOUT' });
      expect(elapsed).toBeGreaterThanOrEqual(TEST_TIMEOUT_MS - 100);
      expect(elapsed).toBeLessThan(TEST_TIMEOUT_MS + 2_000);
      expect((await root.list('acme/db/silent'))[0]).toMatchObject({ test_status: 'TIMEOUT' });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });
});
