import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Subjects,
  TokenAuthenticateRequest,
  type AuthenticatedOperator,
  type EngineHealth,
  type EngineInfo,
  type LeaseInfo,
  type LeaseRoleInfo,
} from '@hearth/contracts';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import {
  eventMark,
  eventsSince,
  freePort,
  respondSigned,
  sharedServiceKeys,
  startPostgresCluster,
  type PostgresCluster,
} from '@hearth/testkit';
import { createHash } from 'node:crypto';
import { PostgresEngines, PostgresLeases, PostgresRoles } from '../../infra/postgres/lease-store.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import type { StoredEngine, StoredLease } from '../ports.js';

/** Console tokens and who holds them, as the console answers `console.token.authenticate`. */
const HOLDERS: Record<string, AuthenticatedOperator> = {
  'operator-token': { name: 'ops', role: 'operator' },
  'auditor-token': { name: 'audit', role: 'auditor' },
};
const ISSUED = new Date('2026-01-01T10:00:00.000Z');
const hours = (n: number) => new Date(ISSUED.getTime() + n * 3_600_000);

describe("the operators' view of engines, roles and leases over HTTP", () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  const get = async <T>(path: string, token: string | undefined = 'operator-token') => {
    const response = await fetch(`${h.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as T };
  };

  const engine = (name: string, port: number, workspace: string | null): StoredEngine => ({
    name,
    host: '127.0.0.1',
    port,
    database: 'postgres',
    sslmode: 'disable',
    rootPath: `infra/postgres/${name}/root`,
    workspace,
    rotationDays: null,
    rootVersion: 1,
    rotation: null,
    lastRotatedAt: null,
    updatedAt: ISSUED,
  });
  const lease = (id: string, role: string, state: StoredLease['state'], more: Partial<StoredLease> = {}) => ({
    leaseId: `db/creds/${role}/${id}`,
    role,
    engine: 'reporting',
    workspace: 'acme',
    username: `v_${role}_${id.slice(0, 8)}`,
    state,
    revocation: [],
    issuedBy: 'billing',
    issuedAt: ISSUED,
    expiresAt: hours(1),
    maxExpiresAt: hours(24),
    revokedAt: null,
    attempts: 0,
    nextAttemptAt: null,
    lastError: null,
    ...more,
  });

  beforeAll(async () => {
    // The leases below expired long ago (their times are fixed for the listings): no sweeper may revoke one
    // while the tests look, which would also read the engine's root credential in their windows.
    [h, cluster] = await Promise.all([
      startVaultHarness({ VAULT_LEASE_SWEEP_SECONDS: '86400' }),
      startPostgresCluster(),
    ]);
    const byHash = new Map(
      Object.entries(HOLDERS).map(([token, holder]) => [createHash('sha256').update(token).digest('hex'), holder]),
    );
    h.nc.subscribe(Subjects.tokenAuthenticate, {
      callback: (_error, msg) => {
        const { token_sha256 } = TokenAuthenticateRequest.parse(msg.json());
        respondSigned(
          msg,
          Subjects.tokenAuthenticate,
          byHash.get(token_sha256) ?? null,
          sharedServiceKeys().signer('console'),
        );
      },
    });
    await h.nc.flush();
    for (const name of ['reporting', 'gone'])
      await h.root.write({
        path: `infra/postgres/${name}/root`,
        values: { username: cluster.user, password: cluster.password },
      });
    const { dataSource } = h.vault.runtime;
    const [engines, roles, leases] = [
      new PostgresEngines(dataSource),
      new PostgresRoles(dataSource),
      new PostgresLeases(dataSource),
    ];
    await new TypeOrmUnitOfWork(dataSource).run(async (tx) => {
      await engines.save(tx, engine('reporting', cluster.port, 'acme'));
      // Nothing listens there: a database that is down.
      await engines.save(tx, engine('gone', await freePort(), null));
      for (const [name, on] of [
        ['readonly', 'reporting'],
        ['writer', 'reporting'],
        ['lost', 'gone'],
      ] as const)
        await roles.save(tx, {
          name,
          engine: on,
          statements: {
            creation: [`CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}'`],
            renew: [],
            revocation: [],
            rollback: [],
          },
          defaultTtl: 3600,
          maxTtl: 86_400,
          usernameTemplate: 'v_{{role}}_{{random}}',
          updatedAt: ISSUED,
        });
      await leases.insert(tx, lease('aaaaaaaaaaaaaaaaaaaa', 'readonly', 'active'));
      await leases.insert(
        tx,
        lease('bbbbbbbbbbbbbbbbbbbb', 'readonly', 'revoked', { issuedAt: hours(1), revokedAt: hours(2) }),
      );
      await leases.insert(
        tx,
        lease('cccccccccccccccccccc', 'writer', 'irrevocable', {
          issuedAt: hours(2),
          attempts: 8,
          lastError: 'connection refused',
        }),
      );
    });
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  it('lists engines and gets one, with their live leases, naming the root credential only by its path', async () => {
    const listed = await get<EngineInfo[]>('/v1/engines');
    expect(listed.status).toBe(200);
    expect(listed.body.map((e) => [e.name, e.live_leases])).toEqual([
      ['gone', 0],
      ['reporting', 1],
    ]);
    const one = await get<EngineInfo>('/v1/engines/reporting');
    expect(one.body).toMatchObject({
      name: 'reporting',
      port: cluster.port,
      root_path: 'infra/postgres/reporting/root',
      workspace: 'acme',
      rotation_pending: false,
      live_leases: 1,
    });
    for (const { text } of [listed, one]) expect(text).not.toContain(cluster.password);
    expect(await get('/v1/engines/nowhere')).toMatchObject({
      status: 404,
      text: expect.stringContaining('VAULT.ENGINE_NOT_FOUND') as unknown,
    });
    expect((await get('/v1/engines/Not_A_Name')).status).toBe(400);
  });

  it("answers an engine's health by a test connection now: a database that is down is an answer", async () => {
    const mark = await eventMark(h.db.name);
    const up = await get<EngineHealth>('/v1/engines/reporting/health');
    expect(up).toMatchObject({
      status: 200,
      body: { name: 'reporting', reachable: true, root_login: true, may_create_roles: true },
    });
    const down = await get<EngineHealth>('/v1/engines/gone/health');
    expect(down).toMatchObject({ status: 200, body: { name: 'gone', reachable: false, root_login: false } });
    expect(down.body.message).toEqual(expect.any(String));
    for (const { text } of [up, down]) expect(text).not.toContain(cluster.password);
    // Each check read its engine's root credential as the machinery, recorded like any other read.
    const reads = await eventsSince(h.db.name, mark, { type: 'SecretReadV1' });
    expect(reads.map((e) => [e.data.actor, e.data.path, e.data.outcome])).toEqual([
      ['vault.dynamic-credentials', 'infra/postgres/reporting/root', 'OK'],
      ['vault.dynamic-credentials', 'infra/postgres/gone/root', 'OK'],
    ]);
  });

  it("lists roles, or one engine's, and gets one", async () => {
    const all = await get<LeaseRoleInfo[]>('/v1/roles');
    expect(all.body.map((r) => [r.name, r.engine, r.live_leases])).toEqual([
      ['lost', 'gone', 0],
      ['readonly', 'reporting', 1],
      ['writer', 'reporting', 0],
    ]);
    expect((await get<LeaseRoleInfo[]>('/v1/roles?engine=gone')).body.map((r) => r.name)).toEqual(['lost']);
    expect((await get<LeaseRoleInfo>('/v1/roles/readonly')).body).toMatchObject({
      name: 'readonly',
      engine: 'reporting',
      creation_statements: [`CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}'`],
      default_ttl: 3600,
      max_ttl: 86_400,
    });
    expect(await get('/v1/roles/nobody')).toMatchObject({
      status: 404,
      text: expect.stringContaining('VAULT.ROLE_NOT_FOUND') as unknown,
    });
  });

  it('lists leases newest first, filtered by role, engine, workspace and state, with the last error of an irrevocable one', async () => {
    const ids = async (query: string) =>
      (await get<LeaseInfo[]>(`/v1/leases${query}`)).body.map((l) => l.lease_id.split('/')[3]![0]);
    expect(await ids('')).toEqual(['c', 'b', 'a']);
    expect(await ids('?role=readonly')).toEqual(['b', 'a']);
    expect(await ids('?engine=reporting&workspace=acme&state=active')).toEqual(['a']);
    expect(await ids('?engine=gone')).toEqual([]);
    expect(await ids('?limit=1')).toEqual(['c']);
    expect((await get<LeaseInfo[]>('/v1/leases?state=irrevocable')).body).toEqual([
      expect.objectContaining({ role: 'writer', state: 'irrevocable', attempts: 8, last_error: 'connection refused' }),
    ]);
    for (const bad of ['?state=weird', '?limit=0', '?limit=x', '?password=1'])
      expect(await get(`/v1/leases${bad}`)).toMatchObject({
        status: 400,
        text: expect.stringContaining('HEARTH.INVALID_REQUEST') as unknown,
      });
  });

  it.each([
    '/v1/engines',
    '/v1/engines/reporting',
    '/v1/engines/reporting/health',
    '/v1/roles',
    '/v1/roles/readonly',
    '/v1/leases',
  ])('refuses %s without a token, with an unknown one, and with a role the vault does not let in', async (path) => {
    expect((await get(path, '')).status).toBe(401);
    expect((await get(path, 'unknown-token')).status).toBe(401);
    expect(await get(path, 'auditor-token')).toMatchObject({
      status: 403,
      text: expect.stringContaining('AUTH.FORBIDDEN') as unknown,
    });
  });

  it('serves its OpenAPI document without a token', async () => {
    const { status, body } = await get<{ paths: Record<string, unknown> }>('/v1/openapi.json', '');
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/leases', '/v1/engines/{name}/health', '/v1/secrets']),
    );
  });
});
