import { describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { DeploymentsController } from './deployments.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { TenancyController } from './tenancy.controller.js';
import { TokensController } from './tokens.controller.js';
import { VaultWritesController } from './vault-writes.controller.js';

describe('the console’s OpenAPI document', () => {
  const { paths, components } = openApiDocumentOf([
    DeploymentsController,
    TenancyController,
    TokensController,
    VaultWritesController,
  ]);
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      ...(operation as {
        responses: Record<string, unknown>;
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: { content: Record<string, { schema: { $ref: string } }> };
      }),
    })),
  );

  it('lists every route the controllers serve, each with the status it answers', () => {
    expect(Object.fromEntries(operations.map((o) => [o.route, Object.keys(o.responses)[0]]))).toEqual({
      'POST /v1/deployments': '201',
      'GET /v1/deployments': '200',
      'GET /v1/deployments/{slug}': '200',
      'GET /v1/deployments/{slug}/history': '200',
      'DELETE /v1/deployments/{slug}': '202',
      'POST /v1/deployments/{slug}/retry': '202',
      'POST /v1/deployments/{slug}/restart': '202',
      'POST /v1/orgs': '201',
      'GET /v1/orgs': '200',
      'GET /v1/orgs/{slug}': '200',
      'POST /v1/teams': '201',
      'GET /v1/teams': '200',
      'GET /v1/teams/{slug}': '200',
      'POST /v1/workspaces': '201',
      'GET /v1/workspaces': '200',
      'GET /v1/workspaces/{slug}': '200',
      'POST /v1/tokens': '201',
      'GET /v1/tokens': '200',
      'DELETE /v1/tokens/{name}': '200',
      'GET /v1/vault-seal-key': '200',
      'POST /v1/vault/credentials/{path}/test': '200',
      'POST /v1/vault/credentials/{path}/rotate': '200',
      'PUT /v1/vault/credentials/{path}': '200',
      'POST /v1/vault/leases/{lease_id}/renew': '200',
      'DELETE /v1/vault/leases/{lease_id}': '200',
    });
  });

  it('names the path parameters, the list’s query parameters and the bearer token’s 401 from the routes', () => {
    const of = (route: string) => operations.find((o) => o.route === route)!;
    expect(of('DELETE /v1/tokens/{name}').parameters).toEqual([
      { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    expect(of('GET /v1/deployments').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:status',
      'query:limit',
      'query:cursor',
    ]);
    expect(operations.every((o) => '401' in o.responses)).toBe(true);
  });

  it('names the body each write takes, from the contracts, and the tenancy lists’ filters', () => {
    const of = (route: string) => operations.find((o) => o.route === route)!;
    const bodies = Object.fromEntries(
      operations
        .filter((o) => o.requestBody)
        .map((o) => [o.route, o.requestBody!.content['application/json']!.schema.$ref.split('/').at(-1)]),
    );
    expect(bodies).toEqual({
      'POST /v1/deployments': 'DeploymentRequest',
      'POST /v1/deployments/{slug}/restart': 'RestartRequest',
      'POST /v1/orgs': 'OrgCreateRequest',
      'POST /v1/teams': 'TeamCreateRequest',
      'POST /v1/workspaces': 'WorkspaceCreateRequest',
      'POST /v1/tokens': 'TokenCreateRequest',
      'POST /v1/vault/credentials/{path}/rotate': 'CredentialRotateBody',
      'PUT /v1/vault/credentials/{path}': 'CredentialWriteBody',
      'POST /v1/vault/leases/{lease_id}/renew': 'LeaseRenewBody',
    });
    expect(of('GET /v1/teams').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:org']);
    expect(of('GET /v1/workspaces').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:team', 'query:org']);
    expect(Object.keys(of('POST /v1/deployments/{slug}/restart').responses)).toEqual(
      expect.arrayContaining(['400', '403', '404', '409']),
    );
    const deployment = (components.schemas as Record<string, { properties: Record<string, unknown> }>)
      .DeploymentRequest!;
    expect(deployment.properties).toHaveProperty('workloads');
  });
});
