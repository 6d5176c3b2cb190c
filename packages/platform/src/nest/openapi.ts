import { ErrorCode } from '@hearth/contracts';
import { RequestMethod, SetMetadata, type Type } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { z } from 'zod';

/**
 * What a route's code cannot say about itself: its summary, its answer, the refusals worth naming.
 * `Name` is the service's own schema names, so a route cannot name a contract its document lacks.
 */
export interface RouteDoc<Name extends string = string> {
  summary: string;
  body?: Name;
  /** A schema whose fields are the route's query parameters. */
  query?: Name;
  reply: { description: string; schema: Name };
  errors?: Partial<Record<400 | 403 | 404 | 409, string>>;
}

const ROUTE_DOC = 'hearth:openapi';

/** Documents a controller route; its path, method, status, path parameters and 401 come from the route itself. */
export const documentRoute = <Name extends string>(doc: RouteDoc<Name>) => SetMetadata(ROUTE_DOC, doc);

const jsonSchemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const json = (name: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
});
const error = (description: string) => ({ description, ...json('Error') });

function operationOf(
  controller: Type,
  handler: object,
  doc: RouteDoc,
  path: string,
  schemas: Record<string, z.ZodType>,
) {
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
  const status =
    (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ??
    (method === RequestMethod.POST ? 201 : 200);
  const guarded = ((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []).length > 0;
  const query = doc.query ? (jsonSchemaOf(schemas[doc.query]!).properties ?? {}) : {};
  const parameters = [
    ...[...path.matchAll(/{(\w+)}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...Object.entries(query).map(([name, schema]) => ({ name, in: 'query', schema })),
  ];
  return {
    summary: doc.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, ...json(doc.body) } } : {}),
    responses: {
      [status]: { description: doc.reply.description, ...json(doc.reply.schema) },
      ...Object.fromEntries(Object.entries(doc.errors ?? {}).map(([code, text]) => [code, error(text)])),
      ...(guarded ? { 401: error('no valid token') } : {}),
    },
  };
}

/** The OpenAPI paths of `controllers`' documented routes, from Nest's own route metadata. */
function pathsOf(controllers: Type[], schemas: Record<string, z.ZodType>): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, object>)[name]!;
      const doc = Reflect.getMetadata(ROUTE_DOC, handler) as RouteDoc | undefined;
      if (!doc) continue;
      const route = Reflect.getMetadata(PATH_METADATA, handler) as string;
      const path = `/${[base, route].filter((p) => p && p !== '/').join('/')}`
        .replace(/:(\w+)/g, '{$1}')
        .replace(/\*(\w+)/g, '{$1}');
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      paths[path] = { ...paths[path], [method]: operationOf(controller, handler, doc, path, schemas) };
    }
  }
  return paths;
}

/**
 * A service's OpenAPI document, generated from its controllers (their routes documented with
 * `documentRoute`) and the zod contracts they validate with, each a component schema.
 */
export function openApiDocumentOf(service: { title: string; schemas: Record<string, z.ZodType> }, controllers: Type[]) {
  return {
    openapi: '3.1.0',
    info: { title: service.title, version: '0.1.0' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...Object.fromEntries(Object.entries(service.schemas).map(([name, s]) => [name, jsonSchemaOf(s)])),
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string', enum: Object.values(ErrorCode) }, message: { type: 'string' } },
            },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: pathsOf(controllers, service.schemas),
  };
}
