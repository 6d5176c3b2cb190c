import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  auditSubject,
  generatePrincipalKeys,
  HatchStream,
  Subjects,
  VAULT_AUDIT_ACTIONS,
  VaultEvent,
} from '@hearth/contracts';
import {
  eventMark,
  eventsSince,
  respondSigned,
  sharedServiceKeys,
  startPostgresCluster,
  streamMessages,
  until,
  type PostgresCluster,
  configureEngineOn,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { asSuperuser } from '../test/engine-fixtures.js';
import { startVaultHarness, type VaultHarness } from '../test/vault-harness.js';

const consoleSigner = sharedServiceKeys().signer('console');
const LOGIN = 'CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}';

describe('the audit trail', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  beforeAll(async () => {
    // A lease whose revocation fails once is irrevocable at once, and the sweeper comes by often.
    h = await startVaultHarness({ VAULT_LEASE_SWEEP_SECONDS: '0.5', VAULT_LEASE_REVOKE_ATTEMPTS: '1' });
    cluster = await startPostgresCluster();
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  /** Every dynamic-credential event: an engine and a role, a lease issued, renewed, revoked, one irrevocable, a root rotation, deletes. */
  async function leaseLifecycle(): Promise<void> {
    await configureEngineOn(h.root, cluster, 'audited');
    await h.root.defineRole({ name: 'audited', engine: 'audited', creation_statements: [LOGIN] });
    const lease = await h.root.issueLease('audited');
    await h.root.renewLease(lease.lease_id);
    await h.root.revokeLease(lease.lease_id);
    const stuck = await h.root.issueLease('audited', 1);
    // A user made superuser behind the vault's back: the revocation refuses to touch one, every time.
    await asSuperuser(cluster, `ALTER ROLE "${stuck.username}" SUPERUSER`);
    await until(async () => (await h.root.leases({ state: 'irrevocable' })).length === 1, {
      what: 'the stuck lease irrevocable',
    });
    await h.root.rotateRoot('audited');
    await h.root.deleteRole('audited');
    await h.root.deleteEngine('audited');
  }

  /** Credential events: a custom type, a typed generated credential with its schedule, deactivated and activated. */
  async function credentialLifecycle(): Promise<void> {
    await h.root.defineCredentialType({
      name: 'audited_api',
      display_name: 'Audited API',
      category: 'http',
      fields: [{ name: 'key', display_name: 'Key', kind: 'password', required: true }],
    });
    const path = 'hearth/audit-credential';
    await h.root.write({
      path,
      provider: 'AUTO_MANAGED',
      type: 'audited_api',
      values: { key: 'audited-key' },
      rotation_days: 30,
    });
    await h.root.setCredentialActive(path, false);
    await h.root.setCredentialActive(path, true);
    // A test (port 9 on loopback refuses it at once) and a USER rotation.
    const api = 'hearth/audit-api';
    await h.root.write({
      path: api,
      type: 'http_bearer',
      values: { url: 'http://127.0.0.1:9/', token: 'audited-token' },
    });
    await expect(h.root.testCredential(api)).resolves.toMatchObject({ status: 'FAILED' });
    await h.root.rotateCredential(api, { url: 'http://127.0.0.1:9/', token: 'rotated-token' });
  }

  it('records every kind of vault event by its contract, and sends each to HATCH once, as stored', async () => {
    const from = await eventMark(h.db.name);
    const { client } = await h.principal('auditee', [{ pattern: 'hearth/audit/*', capabilities: ['read', 'write'] }]);
    await h.root.write({ path: 'hearth/audit', values: { K: 'audited-value' }, tags: { team: 'core' } });
    await h.root.write({ path: 'sys/other', values: { K: 'outside-any-workspace' } });
    await client.read('hearth/audit');
    // A resolution of the workspace (with the console's answer about its place).
    h.nc.subscribe(Subjects.workspaceScope, {
      max: 1,
      callback: (_error, msg) =>
        respondSigned(msg, Subjects.workspaceScope, { workspace: 'audit', team: 'core', org: 'hearth' }, consoleSigner),
    });
    await expect(h.root.resolve({ workspace: 'audit', refs: ['K'] })).resolves.toMatchObject({
      values: { K: 'audited-value' },
    });
    await expect(client.read('hearth/elsewhere')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(client.write({ path: 'hearth/other', values: { K: 'v' } })).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    await h.root.delete('hearth/audit', [1]);
    await h.root.undelete('hearth/audit', [1]);
    await h.root.destroy('hearth/audit');
    await h.root.revoke('auditee', 'hearth/audit/*');
    await h.root.createPrincipal('unused', generatePrincipalKeys().publicKey);
    await h.root.revokePrincipal('unused');
    await leaseLifecycle();
    await credentialLifecycle();

    const events = await eventsSince(h.db.name, from);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(Object.keys(VAULT_AUDIT_ACTIONS)));
    for (const event of events) expect(VaultEvent.parse(event)).toEqual(event);

    const jsm = await jetstreamManager(h.nc);
    const ids = new Set(events.map((e) => e.id));
    const inHatch = async () =>
      (await streamMessages(jsm, HatchStream.name)).filter((m) => ids.has(m.headers['Nats-Msg-Id'] ?? ''));
    await until(async () => (await inHatch()).length >= events.length, { what: 'every event in HATCH' });
    const messages = await inHatch();
    expect(messages).toHaveLength(events.length);
    for (const message of messages) {
      const event = events.find((e) => e.id === message.headers['Nats-Msg-Id'])!;
      expect(message.subject).toBe(
        auditSubject('vault', VAULT_AUDIT_ACTIONS[event.type as keyof typeof VAULT_AUDIT_ACTIONS]),
      );
      expect(JSON.parse(Buffer.from(message.data).toString())).toEqual(event);
    }
  });
});
