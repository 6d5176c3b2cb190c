import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('the tenancy tree and restarts over HTTP', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ serve: true });
  });
  afterAll(() => h?.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${h.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${h.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('creates an org, a team and a workspace, answers them, and refuses with codes', async () => {
    expect(await call('POST', '/v1/orgs', { slug: 'acme', display_name: 'Acme' })).toMatchObject({
      status: 201,
      body: { slug: 'acme', display_name: 'Acme' },
    });
    expect((await call('POST', '/v1/teams', { slug: 'platform', display_name: 'Platform', org: 'acme' })).status).toBe(
      201,
    );
    expect(await call('POST', '/v1/workspaces', { slug: 'web', display_name: 'Web', team: 'platform' })).toMatchObject({
      status: 201,
      body: { slug: 'web', team: 'platform', org: 'acme' },
    });
    expect(await call('GET', '/v1/workspaces?org=acme')).toMatchObject({
      status: 200,
      body: { items: [{ slug: 'web' }] },
    });
    expect(await call('GET', '/v1/teams?org=acme')).toMatchObject({ body: { items: [{ slug: 'platform' }] } });
    expect(await call('GET', '/v1/orgs')).toMatchObject({ body: { items: [{ slug: 'acme' }] } });
    expect(await call('GET', '/v1/orgs/acme')).toMatchObject({ status: 200, body: { slug: 'acme' } });
    expect(await call('GET', '/v1/teams/platform')).toMatchObject({ status: 200, body: { org: 'acme' } });

    expect(await call('POST', '/v1/orgs', { slug: 'acme', display_name: 'Again' })).toMatchObject({
      status: 409,
      body: { error: { code: ErrorCode.TenantExists } },
    });
    expect(await call('POST', '/v1/teams', { slug: 'lost', display_name: 'Lost', org: 'nowhere' })).toMatchObject({
      status: 404,
      body: { error: { code: ErrorCode.TenantNotFound } },
    });
    expect(await call('GET', '/v1/workspaces/nowhere')).toMatchObject({
      status: 404,
      body: { error: { code: ErrorCode.TenantNotFound } },
    });
    expect((await call('POST', '/v1/orgs', { slug: 'Bad Slug', display_name: 'x' })).status).toBe(400);
    expect((await call('GET', '/v1/orgs', undefined)).status).toBe(200);
  });

  it('refuses a deployment of a workspace outside the tree with 404, and restarts a ready one without a body', async () => {
    expect(await call('POST', '/v1/deployments', deploymentRequest('stray'))).toMatchObject({
      status: 404,
      body: { error: { code: ErrorCode.WorkspaceNotFound } },
    });
    await h.registerWorkspace('busy');
    const workloads = [{ name: 'agent', image: 'hearth-test/agent:1' }];
    expect((await call('POST', '/v1/deployments', { ...deploymentRequest('busy'), workloads })).status).toBe(201);
    expect(await call('POST', '/v1/deployments/busy/restart')).toMatchObject({
      status: 409,
      body: { error: { code: ErrorCode.IllegalTransition } },
    });
    await h.recordAnswer('start', 'busy');
    await h.recordAnswer('ready', 'busy');
    expect(await call('POST', '/v1/deployments/busy/restart', { workload: 'nobody' })).toMatchObject({
      status: 404,
      body: { error: { code: ErrorCode.WorkloadNotFound } },
    });
    expect(await call('POST', '/v1/deployments/busy/restart')).toMatchObject({
      status: 202,
      body: { workspace_slug: 'busy', last_status: 'provisioning' },
    });
  });
});
