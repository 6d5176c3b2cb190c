import {
  DeploymentHistory,
  DeploymentList,
  DeploymentRef,
  DeploymentRequest,
  ErrorCode,
  Status,
  TokenCreated,
  TokenRevoked,
  TokenCreateRequest,
} from '@hearth/contracts';
import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const json = (ref: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const error = (description: string) => ({ description, ...json('Error') });
const slugParam = { name: 'slug', in: 'path', required: true, schema: { type: 'string' } };

/** The console's OpenAPI document, generated from the same zod contracts the routes validate with. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Hearth console', version: '0.1.0' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      DeploymentRequest: schema(DeploymentRequest),
      DeploymentRef: schema(DeploymentRef),
      DeploymentList: schema(DeploymentList),
      DeploymentHistory: schema(DeploymentHistory),
      TokenCreateRequest: schema(TokenCreateRequest),
      TokenCreated: schema(TokenCreated),
      TokenRevoked: schema(TokenRevoked),
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
  paths: {
    '/v1/deployments': {
      post: {
        summary: 'Request a deployment; its driver is told to provision it',
        requestBody: { required: true, ...json('DeploymentRequest') },
        responses: {
          201: { description: 'requested', ...json('DeploymentRef') },
          400: error(
            'invalid request or slug, or a credential in a sidecar env (CONSOLE.SECRET_IN_SPEC: secrets belong in the vault)',
          ),
          401: error('no valid token'),
          403: error('role may not write'),
          409: error('slug taken'),
        },
      },
      get: {
        summary: 'List deployments, paged by slug',
        parameters: [
          { name: 'status', in: 'query', schema: schema(Status) },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'a page', ...json('DeploymentList') }, 401: error('no valid token') },
      },
    },
    '/v1/deployments/{slug}': {
      get: {
        summary: 'One deployment',
        parameters: [slugParam],
        responses: { 200: { description: 'found', ...json('DeploymentRef') }, 404: error('no such deployment') },
      },
      delete: {
        summary: 'Deprovision a ready or failed deployment',
        parameters: [slugParam],
        responses: {
          202: { description: 'deprovisioning', ...json('DeploymentRef') },
          409: error('illegal transition'),
        },
      },
    },
    '/v1/deployments/{slug}/history': {
      get: {
        summary: 'A deployment’s timeline from its events: each status, with the endpoint or the failure reason',
        parameters: [slugParam],
        responses: {
          200: { description: 'oldest first', ...json('DeploymentHistory') },
          400: error('invalid slug'),
          401: error('no valid token'),
          404: error('no such deployment'),
        },
      },
    },
    '/v1/deployments/{slug}/retry': {
      post: {
        summary: 'Retry a failed deployment',
        parameters: [slugParam],
        responses: { 202: { description: 'provisioning', ...json('DeploymentRef') }, 409: error('illegal transition') },
      },
    },
    '/v1/tokens': {
      post: {
        summary: 'Create an operator token (admin); the token is shown once',
        requestBody: { required: true, ...json('TokenCreateRequest') },
        responses: { 201: { description: 'created', ...json('TokenCreated') }, 403: error('not an admin') },
      },
    },
    '/v1/tokens/{name}': {
      delete: {
        summary: 'Revoke an operator token (admin); other services stop taking it within their token cache period',
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'revoked', ...json('TokenRevoked') },
          400: error('not a token name, or the bootstrap admin'),
          403: error('not an admin'),
          404: error('no such token'),
        },
      },
    },
  },
} as const;

@Controller('v1')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof openApiDocument {
    return openApiDocument;
  }
}
