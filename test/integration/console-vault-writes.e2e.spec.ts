import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConsoleAuditEvent,
  CredentialRotation,
  CredentialTestResult,
  LeaseRenewed,
  LeasesRevoked,
  SecretWritten,
  sealToVault,
  TokenCreated,
  VaultClient,
  type OperatorRole,
  type SecretValues,
} from '@hearth/contracts';
import {
  configureEngineOn,
  consolePrincipal,
  databaseText,
  jetStreamText,
  placesHolding,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  startPostgresCluster,
  startVaultProcess,
  streamMessages,
  until,
  type PostgresCluster,
  type RunningConsole,
  type RunningService,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** A lease id no lease has. */
const nobody = `db/creds/reporting-ro/${hex(12)}`;

/**
 * The web console's writes to the vault: the console's routes carry them over NATS (Hearth's own
 * nats.conf identities) to a real vault, signed as the console's principal, which reads nothing.
 * Values are sealed here as the browser seals them, to the seal key the console serves; a canary
 * written that way reaches the vault and nowhere in the console (its database, its logs, its answers).
 */
describe('the console writes to the vault for an operator, and reads nothing', () => {
  let nats: TestNats;
  let bareNats: TestNats;
  let cluster: PostgresCluster;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  let bare: RunningConsole;
  const services: RunningService[] = [];
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let root: VaultClient;
  const tokens: Partial<Record<OperatorRole, string>> = {};
  /** Every answer the console gave, as text: where a canary must not be. */
  const answers: string[] = [];
  const canary = `canary-${hex(16)}`;

  /** The console's HTTP API as `role`'s token, its answer's body kept for the canary search. */
  async function api(
    path: string,
    { method = 'GET', body, as = 'operator' }: { method?: string; body?: unknown; as?: OperatorRole } = {},
    on: RunningConsole = hearthConsole,
  ): Promise<{ status: number; body: unknown }> {
    const token = on === bare ? bare.adminToken : as === 'admin' ? hearthConsole.adminToken : tokens[as]!;
    const response = await fetch(`${on.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  /** What the browser does: the values and their path, sealed to the key the console serves. */
  async function sealed(path: string, values: SecretValues): Promise<string> {
    const { body } = await api('/v1/vault-seal-key');
    const { public_key: key } = body as { public_key: string };
    const plaintext = new TextEncoder().encode(JSON.stringify({ path, values }));
    return Buffer.from(sealToVault(key, plaintext)).toString('base64');
  }

  /** The console's audit events of `type` in HATCH. */
  async function audited(type: string): Promise<ConsoleAuditEvent[]> {
    return (await streamMessages(jsm, 'HATCH'))
      .filter((m) => m.subject.startsWith('hatch.console.'))
      .map((m) => ConsoleAuditEvent.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))))
      .filter((event) => event.type === type);
  }

  beforeAll(async () => {
    [nats, bareNats, cluster] = await Promise.all([startNats({ auth: true }), startNats(), startPostgresCluster()]);
    services.push(await startHatchProcess(nats));
    const principal = await consolePrincipal();
    vault = await startVaultProcess(nats, principal.vaultEnv);
    services.push(vault);
    hearthConsole = await startConsoleProcess(nats, { LOG_LEVEL: 'debug', ...principal.consoleEnv(vault) });
    services.push(hearthConsole);
    // A console given no principal: it starts, and refuses the writes with a code of its own.
    bare = await startConsoleProcess(bareNats.url);
    services.push(bare);
    nc = await nats.connect('admin');
    jsm = await jetstreamManager(nc);
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    for (const role of ['operator', 'auditor'] as const) {
      const created = await api('/v1/tokens', { method: 'POST', as: 'admin', body: { name: `${role}-one`, role } });
      tokens[role] = TokenCreated.parse(created.body).token;
    }
  });
  afterAll(async () => {
    await nc?.close();
    for (const service of services.reverse()) await service.stop();
    await Promise.all([nats?.stop(), bareNats?.stop(), cluster?.stop()]);
  });

  it("serves the vault's seal key, the one the vault opens with", async () => {
    expect(await api('/v1/vault-seal-key')).toEqual({ status: 200, body: { public_key: vault.sealPublicKey } });
  });

  it('tests and rotates a USER credential, the new values sealed by the caller, and records the operator', async () => {
    const path = 'hearth/acme/db';
    const login = { host: cluster.host, port: String(cluster.port), username: cluster.user };
    await root.write({ path, type: 'postgres', values: { ...login, password: cluster.password } });

    const tested = await api(`/v1/vault/credentials/${path}/test`, { method: 'POST' });
    expect(tested.status).toBe(200);
    expect(CredentialTestResult.parse(tested.body)).toMatchObject({ path, version: 1, status: 'OK' });

    const values = { ...login, password: canary };
    const rotated = await api(`/v1/vault/credentials/${path}/rotate`, {
      method: 'POST',
      body: { sealed_values: await sealed(path, values) },
    });
    expect(rotated.status).toBe(200);
    expect(CredentialRotation.parse(rotated.body)).toEqual({ path, state: 'promoted', version: 2 });
    expect((await root.read(path)).values).toMatchObject(values);
    // The canary is no password of the cluster's: the test says so, and keeps saying nothing more.
    const failed = await api(`/v1/vault/credentials/${path}/test`, { method: 'POST' });
    expect(CredentialTestResult.parse(failed.body)).toMatchObject({ version: 2, status: 'FAILED' });

    await until(async () => (await audited('CredentialRotateAuditedV1')).length === 1);
    const [rotation] = await audited('CredentialRotateAuditedV1');
    expect(rotation).toMatchObject({
      data: { path, workspace_slug: 'acme', outcome: 'OK' },
      metadata: { actor: 'operator:operator-one' },
    });
    await until(async () => (await audited('CredentialTestAuditedV1')).length === 2);
  });

  it('writes values sealed to the seal key with their path, and refuses a box sealed for another path', async () => {
    const path = 'team/platform/api';
    const values = { API_KEY: canary };
    const written = await api(`/v1/vault/credentials/${path}`, {
      method: 'PUT',
      body: { description: 'the platform API', sealed_values: await sealed(path, values) },
    });
    expect(written.status).toBe(200);
    expect(SecretWritten.parse(written.body)).toEqual({ path, version: 1 });
    expect(await root.read(path)).toMatchObject({ version: 1, values });

    // Lifted onto another path, the box is refused by the vault, with its code and status.
    const lifted = await api('/v1/vault/credentials/team/platform/other', {
      method: 'PUT',
      body: { sealed_values: await sealed(path, values) },
    });
    expect(lifted).toMatchObject({ status: 400, body: { error: { code: 'VAULT.BAD_SEAL' } } });
    await until(async () => (await audited('CredentialWriteAuditedV1')).length === 2);
    expect((await audited('CredentialWriteAuditedV1')).map((e) => e.data)).toEqual(
      expect.arrayContaining([
        { path, workspace_slug: null, outcome: 'OK' },
        { path: 'team/platform/other', workspace_slug: null, outcome: 'FAILED', error_code: 'VAULT.BAD_SEAL' },
      ]),
    );
  });

  it('never writes over a generated (AUTO_MANAGED) credential, nor makes one', async () => {
    const path = 'hearth/generated/db';
    await root.write({ path, provider: 'AUTO_MANAGED', values: { password: 'generated-by-its-driver' } });
    const values = { password: 'chosen-by-the-operator' };
    // Naming the provider is refused by the console's own schema, before the vault is asked.
    const named = await api(`/v1/vault/credentials/${path}`, {
      method: 'PUT',
      body: { provider: 'AUTO_MANAGED', sealed_values: await sealed(path, values) },
    });
    expect(named).toMatchObject({ status: 400, body: { error: { code: 'HEARTH.INVALID_REQUEST' } } });
    // A USER write over it is the vault's to refuse.
    const over = await api(`/v1/vault/credentials/${path}`, {
      method: 'PUT',
      body: { sealed_values: await sealed(path, values) },
    });
    expect(over.status).toBe(409);
    // Still its driver's one version: no value an operator chose was ever current.
    expect(await root.credential(path)).toMatchObject({ provider: 'AUTO_MANAGED', current_version: 1 });
  });

  it("renews and revokes a lease, and the lease's user is gone", async () => {
    await configureEngineOn(root, cluster, 'reporting');
    await root.defineRole({
      name: 'reporting-ro',
      engine: 'reporting',
      creation_statements: [`CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`],
      default_ttl: 60,
      max_ttl: 600,
    });
    const lease = await root.issueLease('reporting-ro', 60);

    const renewed = await api(`/v1/vault/leases/${lease.lease_id}/renew`, { method: 'POST', body: { ttl: 300 } });
    expect(renewed.status).toBe(200);
    expect(LeaseRenewed.parse(renewed.body)).toMatchObject({ lease_id: lease.lease_id, ttl: 300 });
    expect(Date.parse(LeaseRenewed.parse(renewed.body).expires_at)).toBeGreaterThan(Date.parse(lease.expires_at));

    const revoked = await api(`/v1/vault/leases/${lease.lease_id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(LeasesRevoked.parse(revoked.body)).toEqual({ revoked: [lease.lease_id], forced: [], failed: [] });
    expect(await cluster.logsIn(lease.username, lease.password)).toBe(false);
    // Ended: the vault's refusal passes through with its status.
    expect(await api(`/v1/vault/leases/${lease.lease_id}`, { method: 'DELETE' })).toMatchObject({
      status: 409,
      body: { error: { code: 'VAULT.LEASE_ENDED' } },
    });
    await until(async () => (await audited('LeaseRevokeAuditedV1')).length === 2);
    const [renewal] = await audited('LeaseRenewAuditedV1');
    expect(renewal).toMatchObject({
      data: { path: lease.lease_id, lease_id: lease.lease_id, outcome: 'OK' },
      metadata: { actor: 'operator:operator-one' },
    });
  });

  it('refuses an auditor every write with 403, before the vault is asked', async () => {
    const path = 'hearth/acme/db';
    for (const [route, init] of [
      [`/v1/vault/credentials/${path}/test`, { method: 'POST' }],
      [`/v1/vault/credentials/${path}/rotate`, { method: 'POST', body: {} }],
      [`/v1/vault/credentials/${path}`, { method: 'PUT', body: { sealed_values: await sealed(path, { A: 'b' }) } }],
      [`/v1/vault/leases/${nobody}/renew`, { method: 'POST' }],
      [`/v1/vault/leases/${nobody}`, { method: 'DELETE' }],
    ] as const) {
      expect({ route, ...(await api(route, { ...init, as: 'auditor' })) }).toMatchObject({
        route,
        status: 403,
        body: { error: { code: 'AUTH.FORBIDDEN' } },
      });
    }
    // An operator's test after them, recorded: the console's audit events leave in order, so none of
    // the auditor's was recorded — none was carried to the vault.
    const tests = (await audited('CredentialTestAuditedV1')).length;
    expect((await api(`/v1/vault/credentials/${path}/test`, { method: 'POST' })).status).toBe(200);
    await until(async () => (await audited('CredentialTestAuditedV1')).length === tests + 1);
    const actors = (await streamMessages(jsm, 'HATCH'))
      .filter((m) => m.subject.startsWith('hatch.console.'))
      .map((m) => ConsoleAuditEvent.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))).metadata.actor);
    expect(actors).toContain('operator:operator-one');
    expect(actors).not.toContain('operator:auditor-one');
  });

  it('answers CONSOLE.VAULT_WRITES_UNCONFIGURED (503) from a console given no principal, which starts all the same', async () => {
    for (const [route, method] of [
      ['/v1/vault/credentials/hearth/acme/db/test', 'POST'],
      [`/v1/vault/leases/${nobody}`, 'DELETE'],
      ['/v1/vault-seal-key', 'GET'],
    ] as const) {
      expect(await api(route, { method }, bare)).toMatchObject({
        status: 503,
        body: { error: { code: 'CONSOLE.VAULT_WRITES_UNCONFIGURED' } },
      });
    }
  });

  it("keeps the canary out of the console's database, its logs, its answers and every stream", async () => {
    expect(answers.length).toBeGreaterThan(10);
    const places = {
      "the console's database": await databaseText(hearthConsole.db.name),
      'console logs': hearthConsole.runs.flatMap((run) => run.output).join('\n'),
      "the console's answers": answers.join('\n'),
      'every JetStream stream': await jetStreamText(jsm),
    };
    // What the search would find, so an empty answer is not the search's blindness.
    expect(placesHolding({ probe: `x${canary}x` }, canary)).toEqual(['probe']);
    expect(placesHolding(places, canary)).toEqual([]);
  });
});
