import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { VaultClient } from '@hearth/contracts';
import { eventMark, expectNewEvents, queryDatabase } from '@hearth/testkit';
import { startLeaseTarget, type LeaseTarget } from '../../test/lease-target.js';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('renewing a lease', () => {
  let h: VaultHarness;
  let t: LeaseTarget;
  let app: VaultClient;
  const validUntil = async (username: string) =>
    (await t.query<{ until: Date }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [username]))[0]!
      .until;

  beforeAll(async () => {
    h = await startVaultHarness();
    t = await startLeaseTarget(h);
    await t.engine('reporting', { workspace: 'acme' });
    await t.role('readonly', 'reporting', { default_ttl: 600, max_ttl: 3600 });
    ({ client: app } = await h.principal('reporting-app', [
      { pattern: 'db/creds/readonly', capabilities: ['read'] },
      { pattern: 'db/creds/readonly/*', capabilities: ['read'] },
    ]));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await t?.stop();
  });

  it("moves the user's VALID UNTIL and the lease's expiry together, recorded as LeaseRenewedV1", async () => {
    const lease = await app.issueLease('readonly', 60);
    const from = await eventMark(h.db.name);
    const renewed = await app.renewLease(lease.lease_id, 900);
    expect(renewed).toMatchObject({ lease_id: lease.lease_id, ttl: 900, max_expires_at: lease.max_expires_at });
    expect(renewed.expires_at > lease.expires_at).toBe(true);
    expect((await validUntil(lease.username)).toISOString()).toBe(renewed.expires_at);
    const [row] = await queryDatabase<{ expires_at: Date }>(
      h.db.name,
      'SELECT expires_at FROM leases WHERE lease_id = $1',
      [lease.lease_id],
    );
    expect(row!.expires_at.toISOString()).toBe(renewed.expires_at);
    await expectNewEvents(h.db.name, from, [
      {
        type: 'LeaseRenewedV1',
        data: {
          lease_id: lease.lease_id,
          path: lease.lease_id,
          role: 'readonly',
          engine: 'reporting',
          workspace_slug: 'acme',
          username: lease.username,
          by: 'reporting-app',
          expires_at: renewed.expires_at,
        },
      },
    ]);
    // the user still logs in with the same password
    await (await t.login(lease.username, lease.password)).end();
  });

  it("is capped at the role's max TTL, and refused with VAULT.LEASE_MAX_TTL once there", async () => {
    const lease = await app.issueLease('readonly');
    const capped = await app.renewLease(lease.lease_id, 24 * 3600);
    expect(capped.expires_at).toBe(lease.max_expires_at);
    expect((await validUntil(lease.username)).toISOString()).toBe(lease.max_expires_at);
    const from = await eventMark(h.db.name);
    await expect(app.renewLease(lease.lease_id)).rejects.toMatchObject({ code: 'VAULT.LEASE_MAX_TTL' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'reporting-app', 'VAULT.LEASE_MAX_TTL', { path: lease.lease_id }),
    ]);
  });

  it('refuses a revoked lease with VAULT.LEASE_ENDED', async () => {
    const lease = await app.issueLease('readonly');
    await h.root.revokeLease(lease.lease_id);
    await expect(app.renewLease(lease.lease_id)).rejects.toMatchObject({ code: 'VAULT.LEASE_ENDED' });
  });

  it('refuses another principal with no rule for the lease, on the record, and leaves the lease as it was', async () => {
    const lease = await app.issueLease('readonly', 60);
    const { client: other } = await h.principal('other-app', [
      { pattern: 'db/creds/readonly', capabilities: ['read'] },
    ]);
    const from = await eventMark(h.db.name);
    await expect(other.renewLease(lease.lease_id, 900)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'other-app', 'VAULT.POLICY_DENIED', { path: lease.lease_id, capability: 'read' }),
    ]);
    expect((await validUntil(lease.username)).toISOString()).toBe(lease.expires_at);
  });

  it('renews with the built-in statements a lease whose role was deleted since', async () => {
    await t.role('short-lived', 'reporting', { default_ttl: 600, max_ttl: 3600 });
    const { client } = await h.principal('short-lived-app', [
      { pattern: 'db/creds/short-lived', capabilities: ['read'] },
      { pattern: 'db/creds/short-lived/*', capabilities: ['read'] },
    ]);
    const lease = await client.issueLease('short-lived', 60);
    await queryDatabase(h.db.name, "DELETE FROM lease_roles WHERE name = 'short-lived'");
    const renewed = await client.renewLease(lease.lease_id, 900);
    expect(renewed.ttl).toBe(900);
    expect((await validUntil(lease.username)).toISOString()).toBe(renewed.expires_at);
  });

  it('refuses a lease that does not exist with VAULT.LEASE_NOT_FOUND', async () => {
    await expect(h.root.renewLease('db/creds/readonly/nosuchleasenosuchlease')).rejects.toMatchObject({
      code: 'VAULT.LEASE_NOT_FOUND',
    });
  });
});
