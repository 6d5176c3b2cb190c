import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { VaultClient } from '@hearth/contracts';
import { eventMark, eventsSince, expectNewEvents, freePort, queryDatabase } from '@hearth/testkit';
import { REVOKE_LIMIT } from './revoke-leases.js';
import { startLeaseTarget, type LeaseTarget } from '../../test/lease-target.js';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('revoking leases', () => {
  let h: VaultHarness;
  let t: LeaseTarget;
  let app: VaultClient;
  const userExists = async (username: string) =>
    (await t.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).length > 0;
  const stateOf = async (leaseId: string) =>
    (await queryDatabase<{ state: string }>(h.db.name, 'SELECT state FROM leases WHERE lease_id = $1', [leaseId]))[0]!
      .state;

  beforeAll(async () => {
    h = await startVaultHarness();
    t = await startLeaseTarget(h);
    await t.engine('reporting', { workspace: 'acme' });
    await t.role('readonly', 'reporting');
    await t.role('owner', 'reporting', {
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        'GRANT CREATE ON SCHEMA public TO "{{name}}"',
        'GRANT SELECT ON shared TO "{{name}}"',
      ],
    });
    await t.query('CREATE TABLE shared (id int)');
    ({ client: app } = await h.principal('reporting-app', [
      { pattern: 'db/creds/readonly', capabilities: ['read'] },
      { pattern: 'db/creds/owner', capabilities: ['read'] },
      { pattern: 'db/creds/readonly/*', capabilities: ['read', 'delete'] },
      { pattern: 'db/creds/owner/*', capabilities: ['read', 'delete'] },
    ]));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await t?.stop();
  });

  it('ends the login and the sessions opened before, recorded as LeaseRevokedV1', async () => {
    const lease = await app.issueLease('readonly');
    const session = await t.login(lease.username, lease.password);
    const closed = new Promise<unknown>((resolve) => session.on('error', resolve));
    const from = await eventMark(h.db.name);
    expect(await app.revokeLease(lease.lease_id)).toEqual({ revoked: [lease.lease_id], forced: [], failed: [] });
    await expect(t.login(lease.username, lease.password)).rejects.toMatchObject({ code: '28P01' });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await closed;
    expect(await userExists(lease.username)).toBe(false);
    expect(await stateOf(lease.lease_id)).toBe('revoked');
    await expectNewEvents(h.db.name, from, [
      {
        type: 'LeaseRevokedV1',
        data: {
          lease_id: lease.lease_id,
          path: lease.lease_id,
          role: 'readonly',
          engine: 'reporting',
          workspace_slug: 'acme',
          username: lease.username,
          by: 'reporting-app',
          reason: 'revoked',
        },
      },
    ]);
    await expect(app.revokeLease(lease.lease_id)).rejects.toMatchObject({ code: 'VAULT.LEASE_ENDED' });
  });

  it('revokes completely a user that created a table and holds grants', async () => {
    const lease = await app.issueLease('owner');
    const session = await t.login(lease.username, lease.password);
    await session.query('CREATE TABLE mine (id int)');
    await session.query('INSERT INTO mine VALUES (1)');
    await session.end();
    await app.revokeLease(lease.lease_id);
    expect(await userExists(lease.username)).toBe(false);
    // what it made is the engine admin's now; no grant names it any more
    expect(
      await t.query<{ owner: string }>("SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'mine'"),
    ).toEqual([{ owner: 'postgres' }]);
    expect(
      await t.query('SELECT 1 FROM information_schema.role_table_grants WHERE grantee = $1', [lease.username]),
    ).toEqual([]);
  });

  it('refuses another principal with no rule for the lease, on the record, and the user stays', async () => {
    const lease = await app.issueLease('readonly');
    const { client: other } = await h.principal('other-app', [
      { pattern: 'db/creds/readonly', capabilities: ['read', 'delete'] },
    ]);
    const from = await eventMark(h.db.name);
    await expect(other.revokeLease(lease.lease_id)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'other-app', 'VAULT.POLICY_DENIED', { path: lease.lease_id, capability: 'delete' }),
    ]);
    expect(await userExists(lease.username)).toBe(true);
    await app.revokeLease(lease.lease_id);
  });

  it('revokes every live lease under a prefix, and only those the caller may delete', async () => {
    const leases = await Promise.all([1, 2, 3].map(() => app.issueLease('readonly')));
    const owned = await app.issueLease('owner');
    const { client: scoped } = await h.principal('scoped-operator', [
      { pattern: 'db/creds/*', capabilities: ['delete'] },
      { pattern: `${leases[0]!.lease_id}`, capabilities: ['delete'], effect: 'deny' },
    ]);
    const result = await scoped.revokeLeases('db/creds/readonly');
    expect(result.failed).toEqual([]);
    expect(result.forced).toEqual([]);
    expect(result.revoked.sort()).toEqual([leases[1]!.lease_id, leases[2]!.lease_id].sort());
    expect(await userExists(leases[0]!.username)).toBe(true);
    expect(await userExists(owned.username)).toBe(true);
    for (const lease of leases.slice(1)) expect(await userExists(lease.username)).toBe(false);
    await app.revokeLease(leases[0]!.lease_id);
    await app.revokeLease(owned.lease_id);
  });

  describe('on an engine whose database is down', () => {
    let downLease: string;

    beforeAll(async () => {
      await t.engine('down', { workspace: 'acme', port: await freePort() });
      await t.role('down-ro', 'down');
      // a lease issued while its database was up, the user still there as far as the books say
      downLease = 'db/creds/down-ro/abcdefghijklmnopqrstuvwx';
      await queryDatabase(
        h.db.name,
        `INSERT INTO leases (lease_id, role, engine, workspace, username, state, revocation_statements, issued_by,
                             issued_at, expires_at, max_expires_at, attempts)
         VALUES ($1, 'down-ro', 'down', 'acme', 'v_down_ro_abcdefghijklmnop', 'active', '{}', 'reporting-app',
                 now(), now() + interval '1 hour', now() + interval '4 hours', 0)`,
        [downLease],
      );
    });

    it('leaves the lease for the sweeper and answers it under failed', async () => {
      const from = await eventMark(h.db.name);
      expect(await h.root.revokeLease(downLease)).toEqual({ revoked: [], forced: [], failed: [downLease] });
      expect(await stateOf(downLease)).toBe('active');
      const [row] = await queryDatabase<{ last_error: string }>(
        h.db.name,
        'SELECT last_error FROM leases WHERE lease_id = $1',
        [downLease],
      );
      expect(row!.last_error).toMatch(/^VAULT\.ENGINE_UNAVAILABLE: .*connection refused/);
      // only the machinery's read of the engine's root credential, trying to connect; no revocation
      expect((await eventsSince(h.db.name, from)).map((e) => e.type)).toEqual(['SecretReadV1']);
    });

    it('refuses force without destroy, on the record', async () => {
      const { client: deleter } = await h.principal('deleter', [{ pattern: 'db/creds/*', capabilities: ['delete'] }]);
      const from = await eventMark(h.db.name);
      await expect(deleter.revokeLease(downLease, { force: true })).rejects.toMatchObject({
        code: 'VAULT.POLICY_DENIED',
      });
      expect(await h.refusalsSince(from)).toEqual([
        refusal('AccessDeniedV1', 'deleter', 'VAULT.POLICY_DENIED', { path: downLease }),
      ]);
      expect(await stateOf(downLease)).toBe('active');
    });

    it(`revokes at most ${REVOKE_LIMIT} leases a request: the rest are left for the next`, async () => {
      await queryDatabase(
        h.db.name,
        `INSERT INTO leases (lease_id, role, engine, workspace, username, state, revocation_statements, issued_by,
                             issued_at, expires_at, max_expires_at, attempts)
         SELECT 'db/creds/down-bulk/' || lpad(i::text, 20, '0'), 'down-bulk', 'down', 'acme', 'v_bulk_' || i, 'active',
                '{}', 'reporting-app', now(), now() + interval '1 hour', now() + interval '4 hours', 0
         FROM generate_series(1, $1::int) AS i`,
        [REVOKE_LIMIT + 1],
      );
      const { keys } = await h.principal('bulk-operator', [
        { pattern: 'db/creds/*', capabilities: ['delete', 'destroy'] },
      ]);
      // a thousand revocations, each its own event, take longer than a client's default 5 s to answer
      const operator = new VaultClient(h.nc, 'bulk-operator', keys, { timeoutMs: 120_000 });
      expect((await operator.revokeLeases('db/creds/down-bulk', { force: true })).forced).toHaveLength(REVOKE_LIMIT);
      expect((await operator.revokeLeases('db/creds/down-bulk', { force: true })).forced).toHaveLength(1);
      expect((await operator.revokeLeases('db/creds/down-bulk', { force: true })).forced).toEqual([]);
    }, 60_000);

    it('takes it off the books with force, as forced, which list shows the operator', async () => {
      const { client: operator } = await h.principal('db-operator', [
        { pattern: 'db/creds/*', capabilities: ['delete', 'destroy', 'list'] },
        { pattern: 'db/creds', capabilities: ['list'] },
      ]);
      const from = await eventMark(h.db.name);
      expect(await operator.revokeLeases('db/creds/down-ro', { force: true })).toEqual({
        revoked: [],
        forced: [downLease],
        failed: [],
      });
      await expectNewEvents(h.db.name, from, [
        {
          type: 'LeaseRevokedV1',
          data: { lease_id: downLease, engine: 'down', username: 'v_down_ro_abcdefghijklmnop', reason: 'forced' },
        },
      ]);
      expect(
        (await operator.leases({ role: 'down-ro', state: 'forced' })).map((l) => [l.lease_id, l.engine, l.username]),
      ).toEqual([[downLease, 'down', 'v_down_ro_abcdefghijklmnop']]);
    });
  });
});
