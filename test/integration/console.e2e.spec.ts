import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ENGINE,
  ConsoleClient,
  DeploymentHistory,
  DeploymentRef,
  DriverCommand,
  ServiceErrorHeaders,
  Streams,
  Subjects,
} from '@hearth/contracts';
import {
  databaseText,
  eventsSince,
  publishDriverEvent,
  jetStreamText,
  queryDatabase,
  registerWorkspace,
  sharedServiceKeys,
  startConsoleProcess,
  startNats,
  streamMessages,
  until,
  type RunningConsole,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createHash, randomBytes } from 'node:crypto';

const BAD_SLUGS = ['../x', 'A', 'x'.repeat(64), 'a.b', 'a*', 'a>', '', 'аcme', 'a\u0000b'];

describe('console, as a process: create over HTTP, discover over NATS', () => {
  let nats: TestNats;
  let hearth: RunningConsole;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const http = (path: string, init: { method?: string; token?: string | null; body?: string } = {}) =>
    fetch(`${hearth.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? hearth.adminToken}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
  /** A deployment's workspace must be in the tenancy tree first. */
  const register = (slug: string) =>
    registerWorkspace(hearth.url, hearth.adminToken, slug, { team: 'e2e', org: 'e2e' });
  const create = (body: unknown, token?: string | null) =>
    http('/v1/deployments', { method: 'POST', body: JSON.stringify(body), ...(token === undefined ? {} : { token }) });
  const spec = (slug: string) => ({
    slug,
    tier: 'dev',
    driver: 'localdocker',
    sidecars: [{ name: 'postgres', image: 'postgres:16' }],
  });
  const eventCount = async () => (await eventsSince(hearth.db.name, 0n)).length;
  const count = async (table: string) =>
    (await queryDatabase<{ n: number }>(hearth.db.name, `SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
  const driverCommands = () => streamMessages(jsm, Streams.driverCommands.name);
  /** The driver commands the console sent for one workspace, oldest first. */
  const commandsOf = async (slug: string) =>
    (await driverCommands())
      .filter((m) => m.subject === Subjects.driverCommand('localdocker', DEFAULT_ENGINE, slug))
      .map((m) => DriverCommand.parse(JSON.parse(Buffer.from(m.data).toString('utf8'))));
  /** What a request could leave behind, once the relay has moved what it will (no driver takes commands here). */
  const footprint = async () => {
    await until(async () => (await count('outbox')) === 0, { timeoutMs: 5_000, what: 'the outbox relayed' });
    return {
      events: await eventCount(),
      refs: await count('deployment_refs'),
      outbox: await count('outbox'),
      commands: (await driverCommands()).length,
    };
  };
  const statusOf = async (slug: string, wanted: string) => {
    let ref: DeploymentRef | undefined;
    await until(
      async () =>
        (ref = (await (await http(`/v1/deployments/${slug}`)).json()) as DeploymentRef).last_status === wanted,
      { timeoutMs: 10_000, what: `${slug} ${wanted}` },
    );
    return ref!;
  };

  beforeAll(async () => {
    nats = await startNats();
    hearth = await startConsoleProcess(nats.url);
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await hearth?.stop();
    await nats?.stop();
  });

  it('answers getWorkspaceDeployment with the vault pointer of a created deployment', async () => {
    await register('acme');
    const response = await create(spec('acme'));
    expect(response.status).toBe(201);
    expect(DeploymentRef.parse(await response.json())).toMatchObject({
      workspace_slug: 'acme',
      last_status: 'requested',
    });

    // A plain NATS request, as any subsystem would make it without our client.
    const reply = await nc.request(Subjects.deploymentGet, JSON.stringify({ slug: 'acme' }), { timeout: 5_000 });
    const ref = DeploymentRef.parse(reply.json());
    expect(ref).toMatchObject({
      workspace_slug: 'acme',
      tier: 'dev',
      driver: 'localdocker',
      secrets_vault_path: 'vault://hearth/acme',
    });
    expect(await new ConsoleClient(nc, sharedServiceKeys().verifier()).getWorkspaceDeployment('acme')).toEqual(ref);
  });

  it('answers a workspace’s team and org from the tenancy tree, signed, and refuses a deployment outside it', async () => {
    const client = new ConsoleClient(nc, sharedServiceKeys().verifier());
    expect(await client.getWorkspaceScope('acme')).toEqual({ workspace: 'acme', team: 'e2e', org: 'e2e' });
    expect(await client.getWorkspaceScope('outside')).toBeNull();
    const before = await footprint();
    const response = await create(spec('outside'));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'CONSOLE.WORKSPACE_NOT_FOUND' } });
    expect(await footprint()).toEqual(before);
  });

  it('answers null for an unknown slug', async () => {
    const reply = await nc.request(Subjects.deploymentGet, JSON.stringify({ slug: 'nobody-here' }), { timeout: 5_000 });
    expect(reply.headers?.get(ServiceErrorHeaders.code) ?? '').toBe('');
    expect(reply.json()).toBeNull();
  });

  it.each(BAD_SLUGS.map((slug) => [JSON.stringify(slug), slug]))(
    'refuses the slug %s on both edges, writing nothing',
    async (_, slug) => {
      const before = await footprint();
      const response = await create(spec(slug));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'CONSOLE.INVALID_SLUG' } });

      const reply = await nc.request(Subjects.deploymentGet, JSON.stringify({ slug }), { timeout: 5_000 });
      expect(reply.headers?.get(ServiceErrorHeaders.code)).toBe('CONSOLE.INVALID_SLUG');
      await expect(
        new ConsoleClient(nc, sharedServiceKeys().verifier()).getWorkspaceDeployment(slug),
      ).rejects.toMatchObject({
        code: 'CONSOLE.INVALID_SLUG',
      });
      expect(await footprint()).toEqual(before);
    },
  );

  it('refuses a duplicate slug with 409, writing no second event nor command', async () => {
    await register('twice');
    expect((await create(spec('twice'))).status).toBe(201);
    const before = await footprint();
    const again = await create(spec('twice'));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'CONSOLE.DEPLOYMENT_EXISTS' } });
    expect(await footprint()).toEqual(before);
  });

  it('answers two concurrent creations of one slug with one 201 and one 409', async () => {
    await register('racing');
    const statuses = (await Promise.all([create(spec('racing')), create(spec('racing'))])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409]);
    expect(await eventsSince(hearth.db.name, 0n, { stream: 'deployment-racing' })).toHaveLength(1);
  });

  it('retries a failed deployment over HTTP with a fresh provision command', async () => {
    await register('retried');
    expect((await create(spec('retried'))).status).toBe(201);
    const early = await http('/v1/deployments/retried/retry', { method: 'POST' });
    expect(early.status).toBe(409); // only a failed deployment is retried
    expect(await early.json()).toMatchObject({ error: { code: 'CONSOLE.ILLEGAL_TRANSITION' } });

    await footprint();
    const [first] = await commandsOf('retried');
    await publishDriverEvent(jsm, 'ProvisioningStartedV1', { slug: 'retried', command_id: first!.id });
    await publishDriverEvent(jsm, 'ProvisioningFailedV1', {
      slug: 'retried',
      command_id: first!.id,
      reason: 'image not found',
    });
    await statusOf('retried', 'failed');

    const retry = await http('/v1/deployments/retried/retry', { method: 'POST' });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ workspace_slug: 'retried', last_status: 'provisioning' });
    await footprint();
    const commands = await commandsOf('retried');
    expect(commands.map((c) => c.type)).toEqual(['ProvisionSidecarsV1', 'ProvisionSidecarsV1']);
    expect(commands[1]!.id).not.toBe(first!.id);
  });

  it('answers a deployment’s history with the driver’s failure reason, which its DeploymentRef cannot carry', async () => {
    const slug = 'refused';
    await register(slug);
    expect((await create(spec(slug))).status).toBe(201);
    await footprint();
    const [first] = await commandsOf(slug);
    const reason = 'DRIVER.PRIVILEGED_REFUSED: sidecar postgres asks to run privileged';
    await publishDriverEvent(jsm, 'ProvisioningStartedV1', { slug, command_id: first!.id });
    await publishDriverEvent(jsm, 'ProvisioningFailedV1', { slug, command_id: first!.id, reason });
    // The ref stays the product's fixed shape (strict), so the reason is nowhere in it.
    const ref = DeploymentRef.parse(await statusOf(slug, 'failed'));
    expect(JSON.stringify(ref)).not.toContain('PRIVILEGED');

    const historyOf = async (token?: string) => {
      const response = await http(`/v1/deployments/${slug}/history`, token === undefined ? {} : { token });
      expect(response.status).toBe(200);
      return DeploymentHistory.parse(await response.json());
    };
    const failed = await historyOf();
    expect(failed.workspace_slug).toBe(slug);
    expect(failed.entries.map((e) => [e.version, e.status, e.command_id, e.reason])).toEqual([
      [1, 'requested', first!.id, null],
      [2, 'provisioning', first!.id, null],
      [3, 'failed', first!.id, reason],
    ]);
    expect(failed.entries.every((e) => e.endpoint === null)).toBe(true);
    const times = failed.entries.map((e) => Date.parse(e.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    expect((await http(`/v1/deployments/${slug}/retry`, { method: 'POST' })).status).toBe(202);
    await footprint();
    const retryCommand = (await commandsOf(slug))[1]!;
    const retried = await historyOf();
    expect(retried.entries.map((e) => [e.version, e.status, e.command_id, e.reason])).toEqual([
      ...failed.entries.map((e) => [e.version, e.status, e.command_id, e.reason]),
      [4, 'provisioning', retryCommand.id, null],
    ]);

    const auditor = await http('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'history-auditor', role: 'auditor' }),
    });
    const { token } = (await auditor.json()) as { token: string };
    expect((await historyOf(token)).entries).toHaveLength(4); // auditors read it, as they read the ref

    const unknown = await http('/v1/deployments/nobody-here/history');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'CONSOLE.DEPLOYMENT_NOT_FOUND' } });
    const bad = await http('/v1/deployments/A/history');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'CONSOLE.INVALID_SLUG' } });
    const anonymous = await http(`/v1/deployments/${slug}/history`, { token: null });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'AUTH.UNAUTHENTICATED' } });
  });

  it('refuses a credential in a sidecar’s env before anything keeps it', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const response = await create({
      ...spec('leaky'),
      sidecars: [{ name: 'postgres', image: 'postgres:16', env: { POSTGRES_USER: 'app', POSTGRES_PASSWORD: canary } }],
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'CONSOLE.SECRET_IN_SPEC' } });
    expect(text).toMatch(/vault/);
    expect(text).not.toContain(canary);

    expect(await databaseText(hearth.db.name)).not.toContain(canary);
    expect(await jetStreamText(jsm)).not.toContain(canary);
    expect(hearth.process.output.join('\n')).not.toContain(canary);
    expect((await http('/v1/deployments/leaky')).status).toBe(404);
  });

  it('wants a token (401) and a role that may write (403)', async () => {
    const anonymous = await create(spec('no-token'), null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'AUTH.UNAUTHENTICATED' } });
    expect((await create(spec('bad-token'), 'not-a-token')).status).toBe(401);

    const issued = await http('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'auditor-1', role: 'auditor' }),
    });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const forbidden = await create(spec('by-auditor'), token);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'AUTH.FORBIDDEN' } });
    expect((await http('/v1/deployments/acme', { token })).status).toBe(200); // auditors read
    expect((await http('/v1/deployments/by-auditor')).status).toBe(404);
  });

  it('revokes a token for an admin only: the console refuses it from the next request on', async () => {
    const issue = async (name: string, role: string) => {
      const issued = await http('/v1/tokens', { method: 'POST', body: JSON.stringify({ name, role }) });
      expect(issued.status).toBe(201);
      return (await issued.json()) as { id: string; token: string };
    };
    const doomed = await issue('to-revoke', 'operator');
    const operator = await issue('operator-revoker', 'operator');
    expect((await http('/v1/deployments', { token: doomed.token })).status).toBe(200);

    const notAdmin = await http('/v1/tokens/to-revoke', { method: 'DELETE', token: operator.token });
    expect(notAdmin.status).toBe(403);
    expect(await notAdmin.json()).toMatchObject({ error: { code: 'AUTH.FORBIDDEN' } });
    expect((await http('/v1/deployments', { token: doomed.token })).status).toBe(200);

    const revoked = await http('/v1/tokens/to-revoke', { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ id: doomed.id, name: 'to-revoke', role: 'operator' });
    const refused = await http('/v1/deployments', { token: doomed.token });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'AUTH.UNAUTHENTICATED' } });

    const again = await http('/v1/tokens/to-revoke', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { code: 'CONSOLE.TOKEN_NOT_FOUND' } });
    expect((await http('/v1/tokens/Not%20A%20Name', { method: 'DELETE' })).status).toBe(400);
    // The console would bring the bootstrap admin back at its next start: it is replaced by its setting.
    const bootstrap = await http('/v1/tokens/bootstrap-admin', { method: 'DELETE' });
    expect(bootstrap.status).toBe(400);
    expect((await http('/v1/deployments')).status).toBe(200);
    expect((await http('/v1/deployments', { token: operator.token })).status).toBe(200);
  });

  it('refuses malformed JSON and unknown fields with 400 and a clear message', async () => {
    const malformed = await http('/v1/deployments', { method: 'POST', body: '{"slug": "x",' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'HEARTH.MALFORMED_JSON' } });

    const unknown = await create({ ...spec('extra'), privileged: true });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('HEARTH.INVALID_REQUEST');
    expect(body.error.message).toContain('privileged');
  });

  it('answers malformed JSON over NATS with HEARTH.MALFORMED_JSON', async () => {
    const reply = await nc.request(Subjects.deploymentGet, '{"slug": "acme"', { timeout: 5_000 });
    expect(reply.headers?.get(ServiceErrorHeaders.code)).toBe('HEARTH.MALFORMED_JSON');
    expect(reply.json()).toMatchObject({ error: { code: 'HEARTH.MALFORMED_JSON' } });
  });

  it('lists deployments paged and filtered by status', async () => {
    for (const slug of ['page-a', 'page-b', 'page-c']) {
      await register(slug);
      expect((await create(spec(slug))).status).toBe(201);
    }
    const first = (await (await http('/v1/deployments?status=requested&limit=2')).json()) as {
      items: DeploymentRef[];
      next_cursor: string;
    };
    expect(first.items).toHaveLength(2);
    const second = (await (
      await http(`/v1/deployments?status=requested&limit=50&cursor=${first.next_cursor}`)
    ).json()) as { items: DeploymentRef[] };
    const slugs = [...first.items, ...second.items].map((r) => r.workspace_slug);
    expect(slugs).toEqual(expect.arrayContaining(['acme', 'page-a', 'page-b', 'page-c', 'twice']));
    expect(new Set(slugs).size).toBe(slugs.length);
    expect((await http('/v1/deployments?status=bogus')).status).toBe(400);
  });

  it('tells another service who holds a token, from its SHA-256 alone', async () => {
    const ask = async (token: string) =>
      (
        await nc.request(
          Subjects.tokenAuthenticate,
          JSON.stringify({ token_sha256: createHash('sha256').update(token).digest('hex') }),
          { timeout: 5_000 },
        )
      ).json<unknown>();
    expect(await ask(hearth.adminToken)).toEqual({ name: 'bootstrap-admin', role: 'admin' });
    expect(await ask('not-a-token')).toBeNull();
  });

  it('serves its OpenAPI document', async () => {
    const doc = (await (await http('/v1/openapi.json', { token: null })).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/deployments',
        '/v1/deployments/{slug}',
        '/v1/deployments/{slug}/history',
        '/v1/deployments/{slug}/restart',
        '/v1/orgs',
        '/v1/teams',
        '/v1/workspaces/{slug}',
        '/v1/tokens',
      ]),
    );
  });

  it('never logs the bootstrap token', () => {
    expect(hearth.process.output.join('\n')).not.toContain(hearth.adminToken);
  });

  it('keeps no token in clear in its database, only SHA-256 hashes', async () => {
    const issued = await http('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'ops-1', role: 'operator' }),
    });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const text = await databaseText(hearth.db.name);
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    expect(text).toContain(sha256(hearth.adminToken)); // the hashes are there, so the search looked in the right place
    expect(text).toContain(sha256(token));
    expect(text).not.toContain(hearth.adminToken);
    expect(text).not.toContain(token);
  });
});
