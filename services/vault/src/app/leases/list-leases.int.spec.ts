import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Lease } from '@hearth/contracts';
import { eventMark } from '@hearth/testkit';
import { startLeaseTarget, type LeaseTarget } from '../../test/lease-target.js';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('listing leases', () => {
  let h: VaultHarness;
  let t: LeaseTarget;
  let readonly: Lease[];
  let writer: Lease;
  let other: Lease;

  beforeAll(async () => {
    h = await startVaultHarness();
    t = await startLeaseTarget(h);
    await t.engine('reporting', { workspace: 'acme' });
    await t.engine('billing', { workspace: 'globex' });
    await t.role('readonly', 'reporting');
    await t.role('writer', 'reporting');
    await t.role('ledger', 'billing');
    readonly = [await h.root.issueLease('readonly'), await h.root.issueLease('readonly')];
    writer = await h.root.issueLease('writer');
    other = await h.root.issueLease('ledger');
    await h.root.revokeLease(readonly[0]!.lease_id);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await t?.stop();
  });

  const ids = (leases: Array<{ lease_id: string }>) => leases.map((l) => l.lease_id).sort();

  it('filters by role, engine, workspace and state, newest first, never a password', async () => {
    const all = await h.root.leases();
    expect(ids(all)).toEqual(ids([...readonly, writer, other]));
    expect(all.map((l) => l.issued_at)).toEqual(
      all
        .map((l) => l.issued_at)
        .sort()
        .reverse(),
    );
    expect(ids(await h.root.leases({ role: 'readonly' }))).toEqual(ids(readonly));
    expect(ids(await h.root.leases({ engine: 'billing' }))).toEqual(ids([other]));
    expect(ids(await h.root.leases({ workspace: 'acme' }))).toEqual(ids([...readonly, writer]));
    expect(ids(await h.root.leases({ role: 'readonly', state: 'revoked' }))).toEqual(ids([readonly[0]!]));
    expect(await h.root.leases({ limit: 2 })).toHaveLength(2);
    const [row] = await h.root.leases({ engine: 'billing' });
    expect(row).toMatchObject({
      role: 'ledger',
      engine: 'billing',
      workspace: 'globex',
      username: other.username,
      state: 'active',
      issued_by: 'root',
      expires_at: other.expires_at,
      max_expires_at: other.max_expires_at,
      revoked_at: null,
    });
    expect(JSON.stringify(all)).not.toContain(other.password);
  });

  it('shows a principal only the leases it may list', async () => {
    const { client } = await h.principal('acme-operator', [
      { pattern: 'db/creds', capabilities: ['list'] },
      { pattern: 'db/creds/readonly/*', capabilities: ['list'] },
      { pattern: 'db/creds/writer/*', capabilities: ['list'] },
      { pattern: writer.lease_id, capabilities: ['list'], effect: 'deny' },
    ]);
    expect(ids(await client.leases())).toEqual(ids(readonly));
  });

  it("refuses a role's leases to a principal without list on db/creds/<role>, on the record", async () => {
    const { client } = await h.principal('stranger', [{ pattern: 'db/creds/writer', capabilities: ['list'] }]);
    const from = await eventMark(h.db.name);
    await expect(client.leases({ role: 'readonly' })).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'stranger', 'VAULT.POLICY_DENIED', { path: 'db/creds/readonly', capability: 'list' }),
    ]);
  });
});
