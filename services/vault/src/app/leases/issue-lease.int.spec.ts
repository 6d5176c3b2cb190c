import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deriveSessionKeys,
  ephemeralKey,
  generatePrincipalKeys,
  HatchStream,
  LEASE_ID_PATTERN,
  LeasedPassword,
  LeaseSubjects,
  openFromSession,
  openSealed,
  SealedLease,
  SessionOpened,
  sessionHeaders,
  VaultSubjects,
  type Lease,
  type VaultClient,
} from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  expectNewEvents,
  freePort,
  jetStreamText,
  queryDatabase,
  streamMessages,
  until,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { refusal, signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { startLeaseTarget, type LeaseTarget } from '../../test/lease-target.js';

describe('issuing a lease', () => {
  let h: VaultHarness;
  let t: LeaseTarget;
  let app: VaultClient;
  let appKeys: ReturnType<typeof generatePrincipalKeys>;
  const issued: Lease[] = [];

  beforeAll(async () => {
    h = await startVaultHarness();
    t = await startLeaseTarget(h);
    await t.engine('reporting', { workspace: 'acme' });
    await t.role('readonly', 'reporting');
    // its user is made, then a grant fails: the adapter rolls the whole creation back
    await t.role('broken', 'reporting', {
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        'GRANT no_such_role TO "{{name}}"',
      ],
    });
    await t.engine('down', { workspace: 'acme', port: await freePort() });
    await t.role('down-ro', 'down');
    ({ client: app, keys: appKeys } = await h.principal('reporting-app', [
      { pattern: 'db/creds/readonly', capabilities: ['read'] },
      { pattern: 'db/creds/broken', capabilities: ['read'] },
      { pattern: 'db/creds/down-ro', capabilities: ['read'] },
    ]));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await t?.stop();
  });

  it('gives a user whose password logs in over TCP, where a wrong one does not', async () => {
    const from = await eventMark(h.db.name);
    const lease = await app.issueLease('readonly', 600);
    issued.push(lease);
    expect(lease.lease_id).toMatch(LEASE_ID_PATTERN);
    expect(lease.lease_id.startsWith('db/creds/readonly/')).toBe(true);
    expect(lease.username).toMatch(/^v_readonly_[a-z0-9]{16}$/);
    expect(lease.ttl).toBe(600);
    const session = await t.login(lease.username, lease.password);
    expect((await session.query<{ u: string }>('SELECT current_user AS u')).rows).toEqual([{ u: lease.username }]);
    await session.end();
    await expect(t.login(lease.username, `${lease.password}x`)).rejects.toMatchObject({ code: '28P01' });
    // VALID UNTIL is the backstop: the server itself refuses the user after the lease's expiry
    const [role] = await t.query<{ until: Date }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [
      lease.username,
    ]);
    expect(role!.until.toISOString()).toBe(lease.expires_at);

    const [rootRead, event] = await expectNewEvents(h.db.name, from, [
      // the first lease of an engine connects to it: the machinery's read of its root credential, on the record
      {
        type: 'SecretReadV1',
        data: { actor: 'vault.dynamic-credentials', path: 'infra/postgres/reporting/root', outcome: 'OK' },
      },
      {
        type: 'LeaseIssuedV1',
        data: {
          path: lease.lease_id,
          lease_id: lease.lease_id,
          role: 'readonly',
          engine: 'reporting',
          workspace_slug: 'acme',
          username: lease.username,
          by: 'reporting-app',
          expires_at: lease.expires_at,
          max_expires_at: lease.max_expires_at,
        },
      },
    ]);
    expect(event!.metadata).toHaveProperty('trace_id');
    expect(JSON.stringify(rootRead)).not.toContain(t.cluster.password);
    const [row] = await queryDatabase<{ state: string }>(h.db.name, 'SELECT state FROM leases WHERE lease_id = $1', [
      lease.lease_id,
    ]);
    expect(row!.state).toBe('active');
  });

  it("seals the password to the caller's key: only that key opens it, the wire carries ciphertext", async () => {
    const body = { role: 'readonly' };
    const signed = signAs(LeaseSubjects.leaseIssue, body, 'reporting-app', appKeys.secretKey);
    const reply = await h.raw(LeaseSubjects.leaseIssue, body, signed);
    expect(reply.code).toBeNull();
    const { sealed, username } = SealedLease.parse(JSON.parse(reply.body));
    const bytes = Buffer.from(sealed, 'base64');
    const { password } = LeasedPassword.parse(JSON.parse(Buffer.from(openSealed(bytes, appKeys)).toString()));
    issued.push({ username, password } as Lease);
    expect(reply.body).not.toContain(password);
    await (await t.login(username, password)).end();
    expect(() => openSealed(bytes, generatePrincipalKeys())).toThrow();
  });

  it("seals the password in a session under the session's reply key, bound to the request: the principal key, stolen later, opens nothing", async () => {
    const own = ephemeralKey();
    const hello = { client_key: own.publicKey };
    const handshake = await h.raw(
      VaultSubjects.sessionOpen,
      hello,
      signAs(VaultSubjects.sessionOpen, hello, 'reporting-app', appKeys.secretKey),
    );
    const opened = SessionOpened.parse(JSON.parse(handshake.body));
    const session = {
      id: opened.session_id,
      keys: deriveSessionKeys(own.privateKey, opened.vault_key, {
        sessionId: opened.session_id,
        principal: 'reporting-app',
        clientKey: own.publicKey,
        vaultKey: opened.vault_key,
      }),
    };
    const body = { role: 'readonly' };
    const nonce = randomUUID();
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const auth = sessionHeaders(session, LeaseSubjects.leaseIssue, bytes, 'reporting-app', Date.now(), nonce);
    const reply = await h.raw(LeaseSubjects.leaseIssue, body, auth);
    expect(reply.code).toBeNull();
    const { sealed, username } = SealedLease.parse(JSON.parse(reply.body));
    const box = Buffer.from(sealed, 'base64');
    expect(() => openSealed(box, appKeys)).toThrow();
    expect(() => openFromSession(session.keys.reply, session.id, randomUUID(), box)).toThrow();
    const plain = openFromSession(session.keys.reply, session.id, nonce, box);
    const { password } = LeasedPassword.parse(JSON.parse(Buffer.from(plain).toString()));
    issued.push({ username, password } as Lease);
    await (await t.login(username, password)).end();
  });

  it('refuses a principal without read on db/creds/<role>, on the record, and makes no user', async () => {
    const { client } = await h.principal('other-app', [{ pattern: 'db/creds/other', capabilities: ['read'] }]);
    const from = await eventMark(h.db.name);
    const before = await t.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'v_%'");
    await expect(client.issueLease('readonly')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('AccessDeniedV1', 'other-app', 'VAULT.POLICY_DENIED', { path: 'db/creds/readonly', capability: 'read' }),
    ]);
    expect(await t.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'v_%'")).toEqual(before);
  });

  it('puts a lease whose creation the server refused on the books as rolled back, the caller told why', async () => {
    const from = await eventMark(h.db.name);
    const error = (await app.issueLease('broken').catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('VAULT.ROLE_INVALID');
    expect(error.message).toContain('creation_statements[1]');
    expect(JSON.stringify(error)).not.toContain('SCRAM-SHA-256');
    const [event] = await expectNewEvents(h.db.name, from, [
      { type: 'LeaseRevokedV1', data: { role: 'broken', engine: 'reporting', reason: 'rolled_back' } },
    ]);
    const [row] = await queryDatabase<{ state: string }>(h.db.name, 'SELECT state FROM leases WHERE lease_id = $1', [
      event!.data.lease_id,
    ]);
    expect(row!.state).toBe('revoked');
    expect(await t.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [event!.data.username])).toEqual([]);
  });

  it('leaves a lease whose database could not be reached creating, for the sweeper, and tells the caller', async () => {
    const from = await eventMark(h.db.name);
    const error = (await app.issueLease('down-ro').catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('VAULT.ENGINE_UNAVAILABLE');
    expect(error.message).toContain('connection refused');
    expect((await eventsSince(h.db.name, from)).map((e) => e.type)).toEqual(['SecretReadV1']);
    const rows = await queryDatabase<{ state: string }>(h.db.name, "SELECT state FROM leases WHERE role = 'down-ro'");
    expect(rows).toEqual([{ state: 'creating' }]);
  });

  it('gives 64 concurrent callers a working user each: role DDL runs one at a time per engine', async () => {
    const leases = await Promise.all(Array.from({ length: 64 }, () => app.issueLease('readonly', 600)));
    issued.push(...leases);
    expect(new Set(leases.map((l) => l.username)).size).toBe(64);
    const sessions = await Promise.all(leases.map((l) => t.login(l.username, l.password)));
    await Promise.all(sessions.map((s) => s.end()));
  }, 60_000);

  it('leaves the password nowhere but in the sealed reply: not in the server log, the vault database or HATCH', async () => {
    expect(issued.length).toBeGreaterThan(60);
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    const jsm = await jetstreamManager(h.nc);
    const hatch = await streamMessages(jsm, HatchStream.name);
    expect(hatch.filter((m) => m.subject === 'hatch.vault.lease.issue').length).toBeGreaterThanOrEqual(issued.length);
    const serverLog = t.cluster.serverLog();
    const vaultDatabase = await databaseText(h.db.name);
    const streams = await jetStreamText(jsm);
    // the log saw the users made, so it is the log of these leases
    expect(serverLog).toContain(issued[0]!.username);
    for (const { password } of issued) {
      expect(serverLog).not.toContain(password);
      expect(vaultDatabase).not.toContain(password);
      expect(streams).not.toContain(password);
    }
  });
});
