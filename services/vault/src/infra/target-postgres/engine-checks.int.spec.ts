import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, scramVerifier } from '@hearth/contracts';
import { freePort, startPostgresCluster, type PostgresCluster } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import type { EngineConnection, LeaseStatements } from '../../app/ports.js';
import { generatePassword } from './scram.js';
import { TargetPostgres } from './target-postgres.js';

const statements = (creation: string[], more: Partial<LeaseStatements> = {}): LeaseStatements => ({
  creation,
  renew: [],
  revocation: [],
  rollback: [],
  ...more,
});
const CREATE = 'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}';

describe('checking engines and roles against a real Postgres', () => {
  let cluster: PostgresCluster;
  let admin: pg.Client;
  const engines = new Map<string, EngineConnection>();
  let target: TargetPostgres;
  /** The credentials of an engine whose secret store hangs, until the test lets them through. */
  let release: (connection: EngineConnection) => void = () => undefined;
  const stuckCredentials = new Promise<EngineConnection>((resolve) => (release = resolve));
  const superuser = (): EngineConnection => ({
    engine: 'main',
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    sslmode: 'disable',
    username: cluster.user,
    password: cluster.password,
  });
  const leftovers = async () =>
    (
      await admin.query<{ rolname: string }>(
        "SELECT rolname FROM pg_roles WHERE rolname LIKE 'hearth_validate_%' UNION ALL SELECT relname FROM pg_class WHERE relname = 'made_by_validate'",
      )
    ).rows;
  const refusal = (roleStatements: LeaseStatements) =>
    target.validate('main', roleStatements).then(
      () => {
        throw new Error('validate accepted it');
      },
      (error: Error & { code?: string }) => {
        expect(error.code).toBe(ErrorCode.RoleInvalid);
        return error.message;
      },
    );

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Client({ ...superuser(), user: cluster.user, ssl: false });
    await admin.connect();
    engines.set('main', superuser());
    target = new TargetPostgres((engine) => Promise.resolve(engines.get(engine) ?? stuckCredentials), {
      connectTimeoutMs: 2000,
    });
  });
  afterAll(async () => {
    await target?.close();
    await admin?.end();
    await cluster?.stop();
  });

  it('validates a role`s statements on a sample user and leaves nothing behind', async () => {
    await target.validate(
      'main',
      statements([CREATE, 'CREATE TABLE made_by_validate (id int)', 'GRANT SELECT ON made_by_validate TO {{name}}'], {
        renew: ['ALTER ROLE {{name}} VALID UNTIL {{expiration}}'],
        rollback: ['DROP OWNED BY {{name}}', 'DROP ROLE {{name}}'],
      }),
    );
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a statement that does not parse, naming it and Postgres`s reason', async () => {
    const message = await refusal(statements([CREATE, 'GRAN SELECT ON pg_class TO {{name}}']));
    expect(message).toMatch(/creation_statements\[1\] failed: syntax error at or near "GRAN"/);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses two statements in one entry, so none carries a second past its quoting', async () => {
    const message = await refusal(statements(['CREATE ROLE {{name}}; DROP ROLE postgres']));
    expect(message).toMatch(
      /creation_statements\[0\] failed: cannot insert multiple commands into a prepared statement/,
    );
    const message2 = await refusal(statements([CREATE], { revocation: ['DROP ROLE {{name}}; SELECT 1'] }));
    expect(message2).toContain('revocation_statements[0]');
    const { rows } = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = 'postgres'");
    expect(rows).toHaveLength(1);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses an unknown placeholder, statements that make no user, and a revocation that leaves it', async () => {
    expect(await refusal(statements([CREATE, 'GRANT {{role}} TO {{name}}']))).toContain(
      'creation_statements[1] holds the unknown placeholder {{role}}',
    );
    expect(await refusal(statements(['SELECT 1']))).toContain('do not create the user');
    expect(await refusal(statements([CREATE], { revocation: ['ALTER ROLE {{name}} NOLOGIN'] }))).toMatch(
      /still exists after the role's revocation_statements/,
    );
    expect(
      await refusal(statements([CREATE], { renew: ['ALTER ROLE nobody_here VALID UNTIL {{expiration}}'] })),
    ).toMatch(/renew_statements\[0\] failed: role "nobody_here" does not exist/);
    expect(await leftovers()).toEqual([]);
  });

  it('probes a good engine: reachable, its admin logs in and may create roles', async () => {
    expect(await target.probe(superuser())).toEqual({
      reachable: true,
      root_login: true,
      may_create_roles: true,
      message: null,
    });
  });

  it('probes with a wrong password: reachable, the login refused, the password nowhere in the answer', async () => {
    const wrong = generatePassword();
    const health = await target.probe({ ...superuser(), password: wrong });
    expect(health).toMatchObject({ reachable: true, root_login: false, may_create_roles: false });
    expect(health.message).toBe('password authentication failed for user "postgres"');
    expect(JSON.stringify(health)).not.toContain(wrong);
  });

  it('probes a closed port: not reachable, and says where', async () => {
    const port = await freePort();
    const health = await target.probe({ ...superuser(), port });
    expect(health).toEqual({
      reachable: false,
      root_login: false,
      may_create_roles: false,
      message: `connection refused at 127.0.0.1:${port}`,
    });
  });

  it('probes an admin that may not create roles, and a server without TLS asked for it', async () => {
    const password = generatePassword();
    await admin.query(`CREATE ROLE plain_login LOGIN PASSWORD ${pg.escapeLiteral(await scramVerifier(password))}`);
    const health = await target.probe({ ...superuser(), username: 'plain_login', password });
    expect(health).toMatchObject({ reachable: true, root_login: true, may_create_roles: false });
    expect(health.message).toContain('may not create roles');
    const tls = await target.probe({ ...superuser(), sslmode: 'require' });
    expect(tls).toMatchObject({ reachable: true, root_login: false, message: expect.stringMatching(/SSL/) });
  });

  it.each([
    ['in clear', 3],
    ['as MD5', 5],
  ])('gives a server asking for the password %s nothing: the vault logs in only by SCRAM', async (_how, method) => {
    // A server of an attacker's: whatever it asks the password by, it records what comes back.
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      socket.once('data', () => {
        const ask = Buffer.alloc(method === 5 ? 13 : 9);
        ask.write('R', 0);
        ask.writeInt32BE(ask.length - 1, 1);
        ask.writeInt32BE(method, 5);
        socket.write(ask);
        socket.on('data', (bytes) => received.push(bytes));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const port = (server.address() as AddressInfo).port;
    try {
      const health = await target.probe({ ...superuser(), port });
      expect(health).toMatchObject({ root_login: false, may_create_roles: false });
      expect(health.message).toContain('the vault logs in only by SCRAM-SHA-256');
      await expect(target.canLogin({ ...superuser(), port })).rejects.toMatchObject({
        code: ErrorCode.EngineUnavailable,
      });
      expect(Buffer.concat(received).toString('latin1')).not.toContain(cluster.password);
      expect(received).toEqual([]);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });

  it('refuses calls on an engine it cannot reach with VAULT.ENGINE_UNAVAILABLE, and no other engine waits for it', async () => {
    const port = await freePort();
    engines.set('gone', { ...superuser(), engine: 'gone', port });
    await expect(target.userExists('gone', 'x')).rejects.toMatchObject({
      code: ErrorCode.EngineUnavailable,
      message: `engine gone: connection refused at 127.0.0.1:${port}`,
    });
    // An engine whose credentials do not arrive holds its own queue, not main's.
    const stuck = [target.userExists('stuck', 'x'), target.userExists('stuck', 'y')].map((call) =>
      call.catch((error: Error & { code?: string }) => error.code),
    );
    expect(await target.userExists('main', 'postgres')).toBe(true);
    expect(target.queueDepth('stuck')).toBe(1);
    expect(target.queueDepth('main')).toBe(0);
    release({ ...superuser(), engine: 'stuck', port });
    expect(await Promise.all(stuck)).toEqual([ErrorCode.EngineUnavailable, ErrorCode.EngineUnavailable]);
  });

  it('rotates the admin password by its verifier: the new one logs in, the old one no more, and leases go on', async () => {
    const old = generatePassword();
    await admin.query(
      `CREATE ROLE vault_admin LOGIN CREATEROLE PASSWORD ${pg.escapeLiteral(await scramVerifier(old))}; GRANT CREATE ON SCHEMA public TO vault_admin WITH GRANT OPTION`,
    );
    const before: EngineConnection = { ...superuser(), engine: 'delegated', username: 'vault_admin', password: old };
    engines.set('delegated', before);
    const rotated = generatePassword();
    await target.setRootVerifier('delegated', await scramVerifier(rotated));
    const after = { ...before, password: rotated };
    expect(await target.canLogin(after)).toBe(true);
    expect(await target.canLogin(before)).toBe(false);
    await expect(target.canLogin({ ...after, port: await freePort() })).rejects.toMatchObject({
      code: ErrorCode.EngineUnavailable,
    });
    engines.set('delegated', after);
    await target.forget('delegated');

    // An admin that is not a superuser revokes completely too: it takes the user's membership first.
    const password = generatePassword();
    const username = `v_delegated_${randomBytes(6).toString('hex')}`;
    const maker = statements([CREATE, 'GRANT CREATE ON SCHEMA public TO {{name}}']);
    await target.createUser(
      'delegated',
      { username, verifier: await scramVerifier(password), expiresAt: new Date(Date.now() + 60_000) },
      maker,
    );
    const user = new pg.Client({ ...superuser(), user: username, password, ssl: false });
    user.on('error', () => undefined);
    await user.connect();
    await user.query('CREATE TABLE made_by_delegated (id int)');
    await target.dropUser('delegated', username, []);
    await expect(user.query('SELECT 1')).rejects.toThrow();
    await user.end().catch(() => undefined);
    const owner = await admin.query("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_delegated'");
    expect(owner.rows).toEqual([{ tableowner: 'vault_admin' }]);
    expect(await target.userExists('delegated', username)).toBe(false);
    expect(cluster.serverLog()).not.toContain(rotated);
    expect(cluster.serverLog()).not.toContain(password);
  });
});
