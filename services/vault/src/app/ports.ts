import type { AuthenticatedOperator } from '@hearth/contracts';

export interface Clock {
  now(): Date;
}

export interface Ids {
  next(): string;
}

/** Where a use case reports a failure operators must see (pino's logger is one). */
export interface FailureLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/** Who holds an operator bearer token, by its SHA-256 (the console knows; the token never crosses the bus). */
export interface OperatorDirectory {
  authenticate(tokenSha256: string): Promise<AuthenticatedOperator | null>;
}
