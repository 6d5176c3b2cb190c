import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePrincipalKeys } from '@hearth/contracts';
import { eventMark, expectNewEvents, queryDatabase } from '@hearth/testkit';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('managing principals', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
    await h.root.write({ path: 'hearth/acme', values: { POSTGRES_PASSWORD: 'acme-password-1' } });
  });
  afterAll(() => h?.close());

  it('records a principal created, granted and revoked', async () => {
    const from = await eventMark(h.db.name);
    const { publicKey } = generatePrincipalKeys();
    expect(await h.root.createPrincipal('app', publicKey)).toEqual({ name: 'app' });
    const rule = { pattern: 'hearth/acme/*', capabilities: ['read' as const], effect: 'allow' as const };
    expect(await h.root.grant('app', rule)).toEqual({ name: 'app', rule });
    expect(await h.root.revoke('app', 'hearth/acme/*')).toEqual({ name: 'app', revoked: true });
    expect(await h.root.revoke('app', 'hearth/acme/*')).toEqual({ name: 'app', revoked: false });
    await expectNewEvents(h.db.name, from, [
      { type: 'PrincipalCreatedV1', data: { name: 'app', public_key: publicKey } },
      { type: 'PolicyGrantedV1', data: { name: 'app', rule } },
      { type: 'PolicyRevokedV1', data: { name: 'app', pattern: 'hearth/acme/*' } },
    ]);
  });

  it('refuses a name taken, and a grant to nobody', async () => {
    await h.root.createPrincipal('taken', generatePrincipalKeys().publicKey);
    await expect(h.root.createPrincipal('taken', generatePrincipalKeys().publicKey)).rejects.toMatchObject({
      code: 'VAULT.PRINCIPAL_EXISTS',
    });
    await expect(h.root.grant('nobody', { pattern: 'hearth/*', capabilities: ['read'] })).rejects.toMatchObject({
      code: 'VAULT.PRINCIPAL_NOT_FOUND',
    });
  });

  it('refuses a grant whose * is not a whole last segment, and stores no rule', async () => {
    await h.principal('acme-app', [{ pattern: 'hearth/acme/*', capabilities: ['read'] }]);
    await expect(h.root.grant('acme-app', { pattern: 'hearth/globex*', capabilities: ['read'] })).rejects.toMatchObject(
      { code: 'VAULT.INVALID_PATTERN' },
    );
    const rules = await queryDatabase<{ pattern: string }>(
      h.db.name,
      "SELECT pattern FROM policy_rules WHERE principal = 'acme-app'",
    );
    expect(rules.map((r) => r.pattern)).toEqual(['hearth/acme/*']);
  });

  it('stops a principal the moment its rule is revoked', async () => {
    const { client } = await h.principal('short-lived', [{ pattern: 'hearth/acme', capabilities: ['read'] }]);
    expect((await client.read('hearth/acme')).version).toBe(1);
    await h.root.revoke('short-lived', 'hearth/acme');
    await expect(client.read('hearth/acme')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it('lets only a principal allowed to write sys/principals/<name> manage it, on the record', async () => {
    const { client } = await h.principal('sneaky', [{ pattern: 'hearth/*', capabilities: ['write'] }]);
    const from = await eventMark(h.db.name);
    await expect(client.createPrincipal('sneaky-2', generatePrincipalKeys().publicKey)).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'sneaky', 'VAULT.POLICY_DENIED', { path: 'sys/principals/sneaky-2' }),
    ]);
  });

  it('grants only what the granter holds: write on its own principal does not give it *', async () => {
    const { client } = await h.principal('climber', [
      { pattern: 'hearth/acme/*', capabilities: ['read', 'write'] },
      { pattern: 'hearth/acme/vip', capabilities: ['read'], effect: 'deny' },
      { pattern: 'sys/principals/climber', capabilities: ['write'] },
    ]);
    const from = await eventMark(h.db.name);
    for (const rule of [
      { pattern: '*', capabilities: ['read' as const] },
      { pattern: 'hearth/*', capabilities: ['write' as const] },
      { pattern: 'hearth/acme/*', capabilities: ['destroy' as const] },
      { pattern: 'sys/*', capabilities: ['write' as const] },
    ]) {
      await expect(client.grant('climber', rule)).rejects.toMatchObject({ code: 'VAULT.GRANT_EXCEEDS_OWN' });
    }
    // nor may it lift its own deny, or grant itself a path inside it
    await expect(client.revoke('climber', 'hearth/acme/vip')).rejects.toMatchObject({
      code: 'VAULT.GRANT_EXCEEDS_OWN',
    });
    const rules = await queryDatabase<{ pattern: string }>(
      h.db.name,
      "SELECT pattern FROM policy_rules WHERE principal = 'climber' ORDER BY pattern",
    );
    expect(rules.map((r) => r.pattern)).toEqual(['hearth/acme/*', 'hearth/acme/vip', 'sys/principals/climber']);
    expect(await h.refusalsSince(from)).toHaveLength(5);
    // what it holds, it may grant
    const narrower = { pattern: 'hearth/acme/app', capabilities: ['write' as const], effect: 'allow' as const };
    expect(await client.grant('climber', narrower)).toEqual({ name: 'climber', rule: narrower });
  });

  it('refuses a principal name longer than any principal has before looking it up', async () => {
    await h.root.list('hearth/'); // root is in the cache
    const cached = h.vault.principalCache.cached;
    const long = 'p'.repeat(6_000);
    await expect(h.root.grant(long, { pattern: 'hearth/*', capabilities: ['read'] })).rejects.toMatchObject({
      code: 'HEARTH.INVALID_REQUEST',
    });
    await expect(h.root.revoke(long, 'hearth/*')).rejects.toMatchObject({ code: 'HEARTH.INVALID_REQUEST' });
    expect(h.vault.principalCache.cached).toBeLessThanOrEqual(cached); // a change notification may empty it meanwhile
  });

  it('gives a principal pinned by configuration, made by an earlier release, the rules this one adds (resolve), once', async () => {
    // root as a release before `resolve` made it
    await queryDatabase(
      h.db.name,
      `UPDATE policy_rules SET capabilities = array_remove(capabilities, 'resolve') WHERE principal = 'root'`,
    );
    const from = await eventMark(h.db.name);
    await h.restart();
    const [root] = await queryDatabase<{ capabilities: string[] }>(
      h.db.name,
      `SELECT capabilities FROM policy_rules WHERE principal = 'root' AND pattern = '*'`,
    );
    expect(root!.capabilities).toContain('resolve');
    await expectNewEvents(h.db.name, from, [{ type: 'PolicyGrantedV1', data: { name: 'root' } }]);
    const again = await eventMark(h.db.name);
    await h.restart();
    await expectNewEvents(h.db.name, again, []);
  });
});
