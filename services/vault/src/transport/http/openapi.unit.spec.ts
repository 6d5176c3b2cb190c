import { describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { CredentialsController } from './credentials.controller.js';
import { DynamicCredentialsController } from './dynamic-credentials.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { SecretsController } from './secrets.controller.js';

describe('the vault’s OpenAPI document', () => {
  const document = openApiDocumentOf([SecretsController, CredentialsController, DynamicCredentialsController]);
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      ...(operation as { responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }),
    })),
  );
  const of = (route: string) => operations.find((o) => o.route === route)!;

  it('lists every route the controllers serve, each with the status it answers', () => {
    expect(Object.fromEntries(operations.map((o) => [o.route, Object.keys(o.responses)[0]]))).toEqual({
      'GET /v1/secrets': '200',
      'GET /v1/secrets/{path}/versions': '200',
      'GET /v1/credentials': '200',
      'GET /v1/credentials/{path}': '200',
      'GET /v1/credential-types': '200',
      'GET /v1/engines': '200',
      'GET /v1/engines/{name}': '200',
      'GET /v1/engines/{name}/health': '200',
      'GET /v1/roles': '200',
      'GET /v1/roles/{name}': '200',
      'GET /v1/leases': '200',
    });
  });

  it('names the path and query parameters and the bearer token’s 401 from the routes', () => {
    expect(of('GET /v1/engines/{name}/health').parameters).toEqual([
      { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    expect(of('GET /v1/secrets/{path}/versions').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:path']);
    expect(of('GET /v1/credentials').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:prefix',
      'query:type',
      'query:environment',
      'query:active',
      'query:expiring_within_seconds',
    ]);
    expect(of('GET /v1/credentials/{path}').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['path:path']);
    expect(of('GET /v1/roles').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:engine']);
    expect(of('GET /v1/leases').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      'query:role',
      'query:engine',
      'query:workspace',
      'query:state',
      'query:limit',
    ]);
    expect(operations.every((o) => '401' in o.responses)).toBe(true);
  });

  it('describes no field that could carry a password or a value', () => {
    const fields = new Set<string>();
    const collect = (schema: unknown): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const { properties } = schema as { properties?: Record<string, unknown> };
      for (const name of Object.keys(properties ?? {})) fields.add(name);
      Object.values(schema).forEach(collect);
    };
    collect(document.components.schemas);
    expect(fields).toContain('lease_id');
    expect([...fields].filter((f) => /password|sealed|^values?$/.test(f))).toEqual([]);
  });
});
