/**
 * Stable error codes, one list for every service. A code never changes meaning once shipped;
 * the edges (HTTP, NATS) map them to a status, never the other way round.
 */
export const ErrorCode = {
  InvalidRequest: 'HEARTH.INVALID_REQUEST',
  MalformedJson: 'HEARTH.MALFORMED_JSON',
  Internal: 'HEARTH.INTERNAL',
  Unavailable: 'HEARTH.UNAVAILABLE',
  Unauthenticated: 'AUTH.UNAUTHENTICATED',
  Forbidden: 'AUTH.FORBIDDEN',
  VersionConflict: 'STORE.VERSION_CONFLICT',
  InvalidSlug: 'CONSOLE.INVALID_SLUG',
  DeploymentExists: 'CONSOLE.DEPLOYMENT_EXISTS',
  DeploymentNotFound: 'CONSOLE.DEPLOYMENT_NOT_FOUND',
  IllegalTransition: 'CONSOLE.ILLEGAL_TRANSITION',
  TokenExists: 'CONSOLE.TOKEN_EXISTS',
  NotFound: 'HEARTH.NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The kind of failure, which each edge maps to its own status (HTTP 4xx/5xx, NATS header). */
export type ErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

export const ERROR_KINDS: Readonly<Record<ErrorCode, ErrorKind>> = {
  'HEARTH.INVALID_REQUEST': 'invalid',
  'HEARTH.MALFORMED_JSON': 'invalid',
  'HEARTH.INTERNAL': 'internal',
  'HEARTH.UNAVAILABLE': 'unavailable',
  'AUTH.UNAUTHENTICATED': 'unauthenticated',
  'AUTH.FORBIDDEN': 'forbidden',
  'STORE.VERSION_CONFLICT': 'conflict',
  'CONSOLE.INVALID_SLUG': 'invalid',
  'CONSOLE.DEPLOYMENT_EXISTS': 'conflict',
  'CONSOLE.DEPLOYMENT_NOT_FOUND': 'not_found',
  'CONSOLE.ILLEGAL_TRANSITION': 'conflict',
  'CONSOLE.TOKEN_EXISTS': 'conflict',
  'HEARTH.NOT_FOUND': 'not_found',
};

/** A failure with a stable code. Messages are for people and never carry secret material. */
export class HearthError extends Error {
  override readonly name = 'HearthError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get kind(): ErrorKind {
    return ERROR_KINDS[this.code];
  }
}

/** The body every edge answers a failure with. */
export interface ErrorBody {
  error: { code: string; message: string };
}
