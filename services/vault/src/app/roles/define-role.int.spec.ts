import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LeaseRole } from '@hearth/contracts';
import { eventMark, eventsSince, startPostgresCluster, type PostgresCluster, configureEngineOn } from '@hearth/testkit';
import { asSuperuser } from '../../test/engine-fixtures.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { statementsDigest } from './define-role.js';

const readonly = (over: Partial<LeaseRole> = {}): LeaseRole => ({
  name: 'readonly',
  engine: 'reporting',
  creation_statements: [
    `CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
    'GRANT pg_read_all_data TO "{{name}}"',
  ],
  ...over,
});

describe('lease roles', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  beforeAll(async () => {
    [h, cluster] = await Promise.all([startVaultHarness(), startPostgresCluster()]);
    await configureEngineOn(h.root, cluster, 'reporting', { workspace: 'acme' });
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  const roleNames = async () =>
    (await asSuperuser<{ rolname: string }>(cluster, 'SELECT rolname FROM pg_roles ORDER BY rolname')).map(
      (r) => r.rolname,
    );

  it('defines, replaces, gets, lists and deletes a role, each on the record', async () => {
    const from = await eventMark(h.db.name);
    const created = await h.root.defineRole(readonly());
    expect(created).toMatchObject({ name: 'readonly', engine: 'reporting', default_ttl: 3600, live_leases: 0 });
    const replaced = await h.root.defineRole(readonly({ default_ttl: 600, max_ttl: 1200 }));
    expect(replaced).toMatchObject({ default_ttl: 600, max_ttl: 1200 });
    expect(await h.root.role('readonly')).toEqual(replaced);
    expect((await h.root.roles('reporting')).map((r) => r.name)).toEqual(['readonly']);
    expect(await h.root.roles('elsewhere')).toEqual([]);
    const digest = statementsDigest({
      creation: readonly().creation_statements,
      renew: [],
      revocation: [],
      rollback: [],
    });
    const at = { path: 'db/roles/readonly', role: 'readonly', engine: 'reporting', workspace_slug: 'acme', by: 'root' };
    expect(await h.root.deleteRole('readonly')).toEqual({ name: 'readonly' });
    // beside them, the machinery's reads of the root credential as it connects
    const roleEvents = (await eventsSince(h.db.name, from)).filter((e) => e.type !== 'SecretReadV1');
    expect(roleEvents.map((e) => e.type)).toEqual(['LeaseRoleDefinedV1', 'LeaseRoleDefinedV1', 'LeaseRoleDeletedV1']);
    expect(roleEvents.map((e) => e.data)).toEqual([
      expect.objectContaining({ ...at, created: true, statements_sha256: digest, default_ttl: 3600 }),
      expect.objectContaining({ ...at, created: false, default_ttl: 600, max_ttl: 1200 }),
      at,
    ]);
    await expect(h.root.role('readonly')).rejects.toMatchObject({ code: 'VAULT.ROLE_NOT_FOUND' });
  });

  it('lists only the roles the caller may list', async () => {
    await h.root.defineRole(readonly({ name: 'open' }));
    await h.root.defineRole(readonly({ name: 'hidden' }));
    const { client } = await h.principal('role-viewer', [
      { pattern: 'db/roles/*', capabilities: ['list'] },
      { pattern: 'db/roles/hidden', capabilities: ['list'], effect: 'deny' },
    ]);
    expect((await client.roles()).map((r) => r.name)).toEqual(['open']);
  });

  it("refuses a role on an engine its definer may not configure: its statements run as that engine's admin", async () => {
    const before = await roleNames();
    const { client: definer } = await h.principal('role-definer', [{ pattern: 'db/roles/*', capabilities: ['write'] }]);
    const escalating = readonly({
      name: 'escalate',
      creation_statements: [
        'CREATE ROLE {{name}} LOGIN PASSWORD {{password}}',
        'GRANT pg_execute_server_program TO {{name}}',
      ],
    });
    await expect(definer.defineRole(escalating)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await roleNames()).toEqual(before);
    await expect(h.root.role('escalate')).rejects.toMatchObject({ code: 'VAULT.ROLE_NOT_FOUND' });
    const { client: engineOwner } = await h.principal('engine-owner', [
      { pattern: 'db/roles/*', capabilities: ['write'] },
      { pattern: 'db/engines/reporting', capabilities: ['write'] },
    ]);
    expect(await engineOwner.defineRole(readonly({ name: 'owned' }))).toMatchObject({ name: 'owned' });
  });

  it('refuses a role on an engine that does not exist', async () => {
    await expect(h.root.defineRole(readonly({ engine: 'nowhere' }))).rejects.toMatchObject({
      code: 'VAULT.ENGINE_NOT_FOUND',
    });
  });

  describe('refuses, leaving the cluster as it was,', () => {
    const refused = async (role: LeaseRole, says: string) => {
      const before = await roleNames();
      const from = await eventMark(h.db.name);
      await expect(h.root.defineRole(role)).rejects.toMatchObject({
        code: 'VAULT.ROLE_INVALID',
        message: expect.stringContaining(says),
      });
      expect(await roleNames()).toEqual(before);
      expect(before).toContain('postgres');
      const events = await eventsSince(h.db.name, from);
      expect(events.map((e) => e.type)).not.toContain('LeaseRoleDefinedV1');
      await expect(h.root.role(role.name)).rejects.toMatchObject({ code: 'VAULT.ROLE_NOT_FOUND' });
    };

    it('an unknown placeholder', () =>
      refused(
        readonly({ name: 'unknown', creation_statements: ['CREATE ROLE "{{name}}" IN ROLE {{group}}'] }),
        '{{group}}',
      ));

    it('a statement that does not parse, naming it', () =>
      refused(
        readonly({
          name: 'unparsed',
          creation_statements: ['CREATE ROLE "{{name}}" LOGIN', 'GRANT SELEKT ON x TO "{{name}}"'],
        }),
        'creation_statements[1]',
      ));

    it('two statements in one entry', () =>
      refused(
        readonly({ name: 'two', creation_statements: ['CREATE ROLE "{{name}}" LOGIN; DROP ROLE postgres'] }),
        'creation_statements[0]',
      ));

    for (const template of ['x"; DROP ROLE postgres; --', 'v_{{role}}"', "v_{{role}}'", 'v_$$_{{random}}']) {
      it(`the username template ${template}`, () =>
        refused(readonly({ name: 'injecting', username_template: template }), 'username_template'));
    }
  });
});
