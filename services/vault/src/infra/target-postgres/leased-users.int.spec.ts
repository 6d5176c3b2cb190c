import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, scramVerifier } from '@hearth/contracts';
import { startPostgresCluster, until, type PostgresCluster } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EngineConnection, LeaseStatements } from '../../app/ports.js';
import { generatePassword } from './scram.js';
import { TargetPostgres } from './target-postgres.js';

const ENGINE = 'leases-db';
const readonly: LeaseStatements = {
  creation: [
    "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'",
    'GRANT SELECT ON leased_data TO {{name}}',
  ],
  renew: [],
  revocation: [],
  rollback: [],
};
/** A user that may make objects of its own: a schema, a table in public. */
const maker: LeaseStatements = {
  ...readonly,
  creation: [
    ...readonly.creation,
    'GRANT CREATE ON DATABASE postgres TO {{name}}',
    'GRANT CREATE ON SCHEMA public TO {{name}}',
  ],
};

describe('leased users on a real Postgres with password authentication', () => {
  let cluster: PostgresCluster;
  let admin: pg.Client;
  let target: TargetPostgres;
  const passwords: string[] = [];
  let credentialReads = 0;
  const clients: pg.Client[] = [];
  const connection = (): EngineConnection => ({
    engine: ENGINE,
    host: cluster.host,
    port: cluster.port,
    database: 'postgres',
    sslmode: 'disable',
    username: cluster.user,
    password: cluster.password,
  });

  const lease = async (statements = readonly, ttlMs = 3600_000) => {
    const password = generatePassword();
    passwords.push(password);
    const user = {
      username: `v_test_${randomBytes(8).toString('hex')}`,
      verifier: await scramVerifier(password),
      expiresAt: new Date(Math.floor((Date.now() + ttlMs) / 1000) * 1000),
    };
    await target.createUser(ENGINE, user, statements);
    return { ...user, password };
  };
  const open = async (user: string, password: string) => {
    const client = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      database: 'postgres',
      user,
      password,
      ssl: false,
    });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };
  const logsIn = async (user: string, password: string) => {
    const client = await open(user, password).catch(() => null);
    await client?.end();
    return client !== null;
  };
  const validUntil = async (user: string) =>
    (await admin.query<{ until: Date }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [user]))
      .rows[0]?.until;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Client({ ...connection(), user: cluster.user, ssl: false });
    await admin.connect();
    await admin.query('CREATE TABLE leased_data (id int); CREATE TABLE other_data (id int)');
    target = new TargetPostgres(() => {
      credentialReads++;
      return Promise.resolve(connection());
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await target?.close();
    await admin?.end();
    await cluster?.stop();
  });

  it('makes a user that logs in over TCP with its password and not with another, until VALID UNTIL', async () => {
    const user = await lease();
    expect(await logsIn(user.username, user.password)).toBe(true);
    expect(await logsIn(user.username, generatePassword())).toBe(false);
    expect(await validUntil(user.username)).toEqual(user.expiresAt);
    const client = await open(user.username, user.password);
    await expect(client.query('SELECT count(*) FROM leased_data')).resolves.toBeDefined();
    await expect(client.query('SELECT count(*) FROM other_data')).rejects.toThrow(/permission denied/);
    await client.end();
  });

  it('renews by moving VALID UNTIL', async () => {
    const user = await lease();
    const later = new Date(user.expiresAt.getTime() + 7200_000);
    await target.renewUser(ENGINE, { username: user.username, expiresAt: later }, readonly);
    expect(await validUntil(user.username)).toEqual(later);
  });

  it('revokes: the login fails, a session opened before is ended, the role is gone', async () => {
    const user = await lease();
    const before = await open(user.username, user.password);
    await before.query('SELECT 1');
    await target.dropUser(ENGINE, user.username, []);
    await expect(before.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(user.username, user.password)).toBe(false);
    expect(await target.userExists(ENGINE, user.username)).toBe(false);
    const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [user.username]);
    expect(rows).toEqual([]);
  });

  it('revokes completely a user that made a table and a schema and was granted another table', async () => {
    const user = await lease(maker);
    const client = await open(user.username, user.password);
    const schema = `s_${user.username}`;
    await client.query(
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.kept (id int); CREATE TABLE public.${schema}_t (id int)`,
    );
    await client.query('CREATE TEMP TABLE scratch (id int)');
    await target.dropUser(ENGINE, user.username, []);

    expect(await target.userExists(ENGINE, user.username)).toBe(false);
    const owners = await admin.query<{ owner: string }>(
      `SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1
       UNION ALL SELECT tableowner FROM pg_tables WHERE tablename IN ('kept', $2)`,
      [schema, `${schema}_t`],
    );
    expect(owners.rows.map((row) => row.owner)).toEqual([cluster.user, cluster.user, cluster.user]);
    const grants = await admin.query(
      `SELECT 1 FROM information_schema.role_table_grants WHERE grantee = $1
       UNION ALL SELECT 1 FROM pg_class WHERE relname = 'leased_data' AND relacl::text LIKE '%' || $1 || '%'`,
      [user.username],
    );
    expect(grants.rows).toEqual([]);
  });

  it("leaves no code that runs with the admin's rights once its objects are the admin's", async () => {
    const user = await lease(maker);
    const client = await open(user.username, user.password);
    const fn = `public.${user.username}_definer`;
    const view = `public.${user.username}_view`;
    await client.query(
      `CREATE FUNCTION ${fn}() RETURNS boolean LANGUAGE sql SECURITY DEFINER AS 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user';
       CREATE VIEW ${view} AS SELECT rolname, rolpassword FROM pg_authid;
       GRANT SELECT ON ${view} TO PUBLIC`,
    );
    await client.end();
    await target.dropUser(ENGINE, user.username, []);
    expect(await target.userExists(ENGINE, user.username)).toBe(false);

    const next = await lease();
    const other = await open(next.username, next.password);
    // Kept, and the admin's now, but what they run runs as whoever calls them.
    expect((await other.query<{ su: boolean }>(`SELECT ${fn}() AS su`)).rows).toEqual([{ su: false }]);
    await expect(other.query(`SELECT rolpassword FROM ${view}`)).rejects.toThrow(/permission denied/);
    await other.end();
    await target.dropUser(ENGINE, next.username, []);
  });

  it('revokes a user that made objects in another database, which any user may connect to', async () => {
    await admin.query('CREATE DATABASE elsewhere');
    const user = await lease();
    const client = new pg.Client({
      ...connection(),
      database: 'elsewhere',
      user: user.username,
      password: user.password,
    });
    clients.push(client);
    await client.connect();
    // No privilege needed: any user may make a large object, owned by it, in any database it reaches.
    await client.query('SELECT lo_create(0)');
    await client.end();
    await target.dropUser(ENGINE, user.username, []);
    expect(await target.userExists(ENGINE, user.username)).toBe(false);
  });

  it('revokes a user already gone without failing, with the built-in statements or a role`s own', async () => {
    await target.dropUser(ENGINE, 'v_test_never_made', []);
    await target.dropUser(ENGINE, 'v_test_never_made', ['ALTER ROLE {{name}} NOLOGIN', 'DROP ROLE {{name}}']);
    const user = await lease();
    await target.dropUser(ENGINE, user.username, []);
    await target.dropUser(ENGINE, user.username, []);
  });

  it('runs a role`s own revocation instead, still ending sessions, and fails when it leaves the user behind', async () => {
    const user = await lease();
    const before = await open(user.username, user.password);
    await expect(
      target.dropUser(ENGINE, user.username, ['REVOKE SELECT ON leased_data FROM {{name}}']),
    ).rejects.toMatchObject({
      code: ErrorCode.RoleInvalid,
      message: expect.stringContaining(`user ${user.username} still exists after the role's revocation_statements`),
    });
    await expect(before.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(user.username, user.password)).toBe(false);
    await target.dropUser(ENGINE, user.username, ['REVOKE SELECT ON leased_data FROM {{name}}', 'DROP ROLE {{name}}']);
    expect(await target.userExists(ENGINE, user.username)).toBe(false);
  });

  it('rolls a failed creation back and names the statement that failed', async () => {
    const password = generatePassword();
    const user = {
      username: `v_test_${randomBytes(8).toString('hex')}`,
      verifier: await scramVerifier(password),
      expiresAt: new Date(Date.now() + 60_000),
    };
    const failing = { ...readonly, creation: [readonly.creation[0]!, 'GRANT SELECT ON no_such_table TO {{name}}'] };
    await expect(target.createUser(ENGINE, user, failing)).rejects.toMatchObject({
      code: ErrorCode.RoleInvalid,
      message: expect.stringMatching(/creation_statements\[1\] failed: relation "no_such_table" does not exist/),
    });
    expect(await target.userExists(ENGINE, user.username)).toBe(false);
  });

  it('never touches a user that exists already, nor revokes a superuser or the admin itself', async () => {
    const taken = {
      username: 'other_data_owner',
      verifier: await scramVerifier(generatePassword()),
      expiresAt: new Date(Date.now() + 60_000),
    };
    await admin.query('CREATE ROLE other_data_owner; ALTER TABLE other_data OWNER TO other_data_owner');
    await expect(target.createUser(ENGINE, taken, readonly)).rejects.toMatchObject({
      code: ErrorCode.RoleInvalid,
      message: 'user other_data_owner exists already',
    });
    const { rows } = await admin.query("SELECT tableowner FROM pg_tables WHERE tablename = 'other_data'");
    expect(rows).toEqual([{ tableowner: 'other_data_owner' }]);
    await expect(target.dropUser(ENGINE, cluster.user, [])).rejects.toMatchObject({
      code: ErrorCode.RoleInvalid,
      message: "refusing to revoke postgres: a superuser or the engine's admin",
    });
    expect(await target.userExists(ENGINE, cluster.user)).toBe(true);
  });

  it('keeps the verifier out of a failure whose Postgres message quotes it', async () => {
    const user = {
      username: `v_test_${randomBytes(8).toString('hex')}`,
      verifier: await scramVerifier(generatePassword()),
      expiresAt: new Date(Date.now() + 60_000),
    };
    const echoing = { ...readonly, creation: ['CREATE ROLE {{name}} VALID UNTIL {{password}}'] };
    const failure = await target.createUser(ENGINE, user, echoing).catch((error: Error) => error);
    expect(failure).toMatchObject({ code: ErrorCode.RoleInvalid, message: expect.stringContaining('[redacted]') });
    for (const piece of user.verifier.split(/[$:]/).filter((p) => p.length >= 16)) {
      expect((failure as Error).message).not.toContain(piece);
    }
  });

  it('makes 64 users asked for at once, one after another, and revokes them all', async () => {
    const users = Promise.all(Array.from({ length: 64 }, () => lease()));
    await until(() => target.queueDepth(ENGINE) > 0, { what: 'callers waiting in the engine queue' });
    const made = await users;
    expect(new Set(made.map((user) => user.username)).size).toBe(64);
    expect(target.queueDepth(ENGINE)).toBe(0);
    for (const user of made.slice(0, 3)) expect(await logsIn(user.username, user.password)).toBe(true);
    await Promise.all(made.map((user) => target.dropUser(ENGINE, user.username, [])));
    const left = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = ANY($1)', [made.map((u) => u.username)]);
    expect(left.rows).toEqual([]);
  });

  it('reconnects after its connection is lost, or after forget, reading the credentials again each time', async () => {
    const reads = credentialReads;
    await admin.query(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = 'hearth-vault-leases'",
    );
    const user = await lease();
    expect(credentialReads).toBe(reads + 1);
    await target.forget(ENGINE);
    await target.dropUser(ENGINE, user.username, []);
    expect(credentialReads).toBe(reads + 2);
    expect(await target.userExists(ENGINE, user.username)).toBe(false);
  });

  it('never lets a password reach the server log (log_statement=all)', () => {
    const log = cluster.serverLog();
    expect(log).toContain('CREATE ROLE "v_test_');
    expect(passwords.length).toBeGreaterThan(64);
    for (const password of passwords) expect(log).not.toContain(password);
  });
});
