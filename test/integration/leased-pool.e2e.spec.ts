import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import { LeasedPool } from '@hearth/pg-lease';
import { startLeaseStack, until, type LeaseStack, type PostgresCluster } from '@hearth/testkit';
import type pg from 'pg';

const ENGINE = 'pool-db';
const CREATION = [
  'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}',
  'GRANT pg_read_all_data TO {{name}}',
];

/** The typed client's two ways of holding database users, against the real vault and a real scram-sha-256 server. */
describe('leases in the typed client', () => {
  let stack: LeaseStack;
  let cluster: PostgresCluster;
  let app: VaultClient;
  let admin: pg.Client;

  const roleExists = async (name: string) =>
    (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;

  beforeAll(async () => {
    await cryptoReady();
    stack = await startLeaseStack(ENGINE, { VAULT_LEASE_SWEEP_SECONDS: '1' });
    cluster = stack.cluster;
    const { root } = stack;
    // A short lease with a short max: the pool must renew, then move to a new user, several times.
    await root.defineRole({ name: 'short', engine: ENGINE, creation_statements: CREATION, default_ttl: 4, max_ttl: 8 });
    await root.defineRole({ name: 'task', engine: ENGINE, creation_statements: CREATION });
    const keys = generatePrincipalKeys();
    await root.createPrincipal('reporting', keys.publicKey);
    await root.grant('reporting', { pattern: 'db/creds/*', capabilities: ['read', 'delete'] });
    app = new VaultClient(stack.nc, 'reporting', keys);
    admin = cluster.client();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await stack?.stop();
  });

  it('withLease: a user for the work, gone once it is done, also when the work fails', async () => {
    const user = await app.withLease('task', async (lease) => {
      const client = cluster.client({ user: lease.username, password: lease.password });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
        return rows[0]!.user;
      } finally {
        await client.end();
      }
    });
    expect(await roleExists(user)).toBe(false);

    let failedUser = '';
    await expect(
      app.withLease('task', (lease) => {
        failedUser = lease.username;
        return Promise.reject(new Error('the work failed'));
      }),
    ).rejects.toThrow('the work failed');
    expect(failedUser).not.toBe('');
    expect(await roleExists(failedUser)).toBe(false);
  });

  it('a pool keeps answering across renewals and handovers to new users, and leaves none behind', async () => {
    const errors: unknown[] = [];
    const pool = await LeasedPool.open({
      vault: app,
      role: 'short',
      connection: { host: cluster.host, port: cluster.port, database: 'postgres', max: 4 },
      // Renew with half the lease left and hand over 3 s before its max: margins of seconds, as a
      // loaded machine needs (a renewal that reaches the vault after the expiry finds the user revoked).
      renewWhenLeft: 1 / 2,
      handoverMs: 3_000,
      onError: (error) => errors.push(error),
    });
    const users = new Set<string>();
    let queries = 0;
    const failures: string[] = [];
    let running = true;
    const callers = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const { rows } = await pool.query<{ user: string }>('SELECT current_user AS user, pg_sleep(0.02)');
          users.add(rows[0]!.user);
          queries++;
        } catch (error) {
          failures.push(`${new Date().toISOString()} ${(error as Error).message}`);
        }
      }
    });
    // Three users means at least two handovers, each as the lease's max TTL (8 s) came near.
    await until(() => users.size >= 3, { timeoutMs: 60_000, what: 'the pool on its third leased user' });
    running = false;
    await Promise.all(callers);
    const last = pool.lease.username;
    await pool.end();

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    for (const user of users) {
      await until(async () => !(await roleExists(user)), { what: `${user} revoked` });
    }
    expect(users.has(last)).toBe(true);
  });
});
