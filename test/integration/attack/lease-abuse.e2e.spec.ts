import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  ErrorCode,
  generatePrincipalKeys,
  HearthError,
  LeaseSubjects,
  ServiceErrorHeaders,
  signRequest,
  VaultClient,
} from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  jetStreamText,
  startLeaseStack,
  until,
  type LeaseStack,
  type PostgresCluster,
  type RunningVault,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';

const ENGINE = 'target';
const CREATION = ['CREATE ROLE {{name}} LOGIN PASSWORD {{password}} VALID UNTIL {{expiration}}'];

/**
 * Dynamic credentials, attacked: a role definer who tries to inject SQL through a username template or
 * a statement, a principal after another's lease or an engine's root credential, an engine pointed at
 * another engine's root credential, and a listener on the whole bus hunting for a leased password.
 */
describe('attack: dynamic Postgres credentials', () => {
  let stack: LeaseStack;
  let cluster: PostgresCluster;
  let vault: RunningVault;
  let nc: NatsConnection;
  let root: VaultClient;
  let admin: pg.Client;
  const seenOnBus: string[] = [];

  const codeOf = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => (error instanceof HearthError ? error.code : String(error)),
    );
  const principal = async (name: string, rules: Array<Parameters<VaultClient['grant']>[1]>) => {
    const keys = generatePrincipalKeys();
    await root.createPrincipal(name, keys.publicKey);
    for (const rule of rules) await root.grant(name, rule);
    return new VaultClient(nc, name, keys, { vaultSealKey: vault.sealPublicKey });
  };
  const roleNames = async () =>
    (await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles ORDER BY rolname')).rows.map(
      (r) => r.rolname,
    );

  beforeAll(async () => {
    await cryptoReady();
    stack = await startLeaseStack(ENGINE);
    ({ cluster, vault, nc, root } = stack);
    // Anyone on an open bus: every message, requests and replies alike.
    nc.subscribe('>', {
      callback: (_error, msg) => {
        seenOnBus.push(msg.string());
      },
    });
    await root.defineRole({ name: 'app', engine: ENGINE, creation_statements: CREATION });
    admin = cluster.client();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await stack?.stop();
  });

  it('refuses a username template or a statement that would inject, and the server is untouched', async () => {
    const before = await roleNames();
    const attempts = [
      { username_template: 'x"; DROP ROLE postgres; --{{random}}' },
      { username_template: "v_{{random}}'; DROP ROLE postgres; --" },
      { username_template: 'v_$$_{{random}}' },
      { creation_statements: ['CREATE ROLE {{name}} LOGIN; DROP ROLE postgres'] },
      { creation_statements: ['CREATE ROLE {{name}} LOGIN PASSWORD {{password}}', 'DROP ROLE {{owner}}'] },
      { creation_statements: ['CREATE ROLE {{name}} LOGIN PASSWORD $$x$$ || {{password}}'] },
    ];
    for (const attempt of attempts) {
      const code = await codeOf(
        root.defineRole({ name: 'injected', engine: ENGINE, creation_statements: CREATION, ...attempt }),
      );
      expect([code, attempt]).toEqual([ErrorCode.RoleInvalid, attempt]);
    }
    expect(await roleNames()).toEqual(before);
    expect(await codeOf(root.role('injected'))).toBe(ErrorCode.RoleNotFound);
  });

  it('quotes a template written with its own quotes harmlessly', async () => {
    await root.defineRole({
      name: 'quoted',
      engine: ENGINE,
      creation_statements: [`CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`],
    });
    const lease = await root.issueLease('quoted');
    expect(await roleNames()).toContain(lease.username);
    await root.revokeLease(lease.lease_id);
    expect(await roleNames()).not.toContain(lease.username);
  });

  it("keeps one principal's lease from another, and every engine's root credential from everyone", async () => {
    const owner = await principal('lease-owner', [{ pattern: 'db/creds/app/*', capabilities: ['read', 'delete'] }]);
    const other = await principal('lease-other', [{ pattern: 'db/creds/other/*', capabilities: ['read', 'delete'] }]);
    const lease = await owner.issueLease('app');
    expect(await codeOf(other.issueLease('app'))).toBe(ErrorCode.PolicyDenied);
    expect(await codeOf(other.renewLease(lease.lease_id))).toBe(ErrorCode.PolicyDenied);
    expect(await codeOf(other.revokeLease(lease.lease_id))).toBe(ErrorCode.PolicyDenied);
    expect(await codeOf(other.leases({ role: 'app' }))).toBe(ErrorCode.PolicyDenied);
    // Forcing a lease off the books takes destroy, which the owner does not hold.
    expect(await codeOf(owner.revokeLease(lease.lease_id, { force: true }))).toBe(ErrorCode.PolicyDenied);
    // Root reads everything else, but not what the engine logs in with.
    expect(await codeOf(root.read(`infra/postgres/${ENGINE}/root`))).toBe(ErrorCode.EngineCredential);
    expect(await roleNames()).toContain(lease.username);
    await owner.revokeLease(lease.lease_id);
  });

  it('makes one user of a signed issue sent twice: the copy is refused as a replay, on the record', async () => {
    const keys = generatePrincipalKeys();
    await root.createPrincipal('lease-replayer', keys.publicKey);
    await root.grant('lease-replayer', { pattern: 'db/creds/app/*', capabilities: ['read', 'list'] });
    const body = new TextEncoder().encode(JSON.stringify({ role: 'app' }));
    const signed = signRequest(LeaseSubjects.leaseIssue, body, 'lease-replayer', keys.secretKey);
    const send = async () => {
      const h = headers();
      for (const [name, value] of Object.entries(signed)) h.set(name, value);
      const reply = await nc.request(LeaseSubjects.leaseIssue, body, { timeout: 10_000, headers: h });
      return reply.headers?.get(ServiceErrorHeaders.code) || null;
    };
    const mark = await eventMark(vault.db.name);
    expect(await send()).toBeNull();
    expect(await send()).toBe(ErrorCode.ReplayedNonce);
    const refused = (await eventsSince(vault.db.name, mark, { type: 'AccessDeniedV1' })).map((e) => e.data);
    expect(refused).toEqual([expect.objectContaining({ actor: 'lease-replayer', reason: ErrorCode.ReplayedNonce })]);
    const issued = await root.leases({ role: 'app' });
    expect(issued.filter((lease) => lease.issued_by === 'lease-replayer')).toHaveLength(1);
  });

  it("will not point an engine at another engine's root credential", async () => {
    const code = await codeOf(
      root.configureEngine({
        name: 'elsewhere',
        host: '127.0.0.1',
        port: 1,
        database: 'postgres',
        sslmode: 'disable',
        root_path: `infra/postgres/${ENGINE}/root`,
      }),
    );
    expect(code).toBe(ErrorCode.EngineInvalidConfig);
  });

  it('shows a leased password to nobody but its caller: not the bus, the server log, the vault or its database', async () => {
    const app = await principal('lease-canary', [{ pattern: 'db/creds/app/*', capabilities: ['read', 'delete'] }]);
    const lease = await app.issueLease('app');
    const login = cluster.client({ user: lease.username, password: lease.password });
    await login.connect();
    await login.end();
    await app.revokeLease(lease.lease_id);
    await until(() => seenOnBus.some((m) => m.includes(lease.lease_id)), { what: 'the lease seen on the bus' });

    const places: Record<string, string> = {
      bus: seenOnBus.join('\n'),
      'server log': cluster.serverLog(),
      'vault output': vault.process.output.join('\n'),
      'vault database': await databaseText(vault.db.name),
      streams: await jetStreamText(await jetstreamManager(nc)),
    };
    for (const [place, text] of Object.entries(places)) {
      expect([place, text.includes(lease.password)]).toEqual([place, false]);
    }
    // The server saw only the verifier.
    expect(cluster.serverLog()).toMatch(/PASSWORD 'SCRAM-SHA-256\$\d+:/);
  });
});
