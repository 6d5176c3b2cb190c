import { describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { DeploymentsController } from './deployments.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { TokensController } from './tokens.controller.js';

describe('the console’s OpenAPI document', () => {
  const { paths } = openApiDocumentOf([DeploymentsController, TokensController]);
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      ...(operation as { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }),
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
      'POST /v1/tokens': '201',
      'DELETE /v1/tokens/{name}': '200',
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
});
