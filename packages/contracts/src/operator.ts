import { z } from 'zod';

export const OperatorRole = z.enum(['admin', 'operator', 'auditor']);
export type OperatorRole = z.infer<typeof OperatorRole>;

export const TokenName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'a token name is 1-63 of a-z 0-9 . _ -' });

/**
 * The admin token HEARTH_BOOTSTRAP_ADMIN_TOKEN makes at every start: replaced by changing that
 * setting, never revoked (the console refuses it; the web console offers no Revoke for it).
 */
export const BOOTSTRAP_ADMIN = 'bootstrap-admin';

export const TokenCreateRequest = z.object({ name: TokenName, role: OperatorRole }).strict();
export type TokenCreateRequest = z.infer<typeof TokenCreateRequest>;

/** Answered once, at creation: the console keeps only the token's SHA-256. */
export const TokenCreated = z
  .object({ id: z.uuid(), name: z.string(), role: OperatorRole, token: z.string() })
  .strict();
export type TokenCreated = z.infer<typeof TokenCreated>;

/** `DELETE /v1/tokens/:name` answers with the token it revoked; the console forgets it at once. */
export const TokenRevoked = z.object({ id: z.uuid(), name: z.string(), role: OperatorRole }).strict();
export type TokenRevoked = z.infer<typeof TokenRevoked>;

/**
 * `console.token.authenticate`: other services' HTTP edges check an operator bearer token by its
 * SHA-256 (hex), never by the token itself, so the token does not cross the bus.
 */
export const TokenAuthenticateRequest = z.object({ token_sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
export type TokenAuthenticateRequest = z.infer<typeof TokenAuthenticateRequest>;

export const AuthenticatedOperator = z.object({ name: z.string(), role: OperatorRole }).strict();
export type AuthenticatedOperator = z.infer<typeof AuthenticatedOperator>;

/** One operator token as `GET /v1/tokens` lists it: never the token nor its hash. */
export const TokenSummary = z
  .object({ name: z.string(), role: OperatorRole, created_by: z.string(), created_at: z.iso.datetime() })
  .strict();
export type TokenSummary = z.infer<typeof TokenSummary>;

/** `GET /v1/tokens`, by name. */
export const TokenList = z.object({ items: z.array(TokenSummary) }).strict();
export type TokenList = z.infer<typeof TokenList>;
