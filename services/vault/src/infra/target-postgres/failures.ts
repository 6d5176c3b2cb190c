import { ErrorCode, HearthError } from '@hearth/contracts';
import pg from 'pg';

/**
 * How a target server's failures become the vault's: whether the connection is still worth keeping,
 * a reason a person can act on, and never a secret — Postgres can echo a statement's tokens (the
 * verifier's among them) in a syntax error, so every message is scrubbed of what the call carried.
 */

/** The verifier itself, and its salt and keys on their own, in case Postgres quotes only a piece. */
export function secretsOf(...values: Array<string | undefined>): string[] {
  return values.flatMap((value) =>
    value === undefined ? [] : [value, ...value.split(/[$:]/).filter((piece) => piece.length >= 16)],
  );
}

export function scrub(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .sort((a, b) => b.length - a.length)
    .reduce((scrubbed, secret) => scrubbed.replaceAll(secret, '[redacted]'), text);
}

/** A failure of the link rather than of a statement: the connection is dropped and the next call reconnects. */
export function isConnectionFailure(error: unknown): boolean {
  return !(error instanceof pg.DatabaseError) || /^(08|57P0)/.test(error.code ?? '');
}

/** Node's socket errors and pg's connect timeout: nothing answered as Postgres at that address. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) || (error as Error).message === 'timeout expired';
}

export interface Address {
  host: string;
  port: number;
}

/** What went wrong reaching or logging in to a server, in words an operator can act on. */
export function reasonOf(error: unknown, at: Address, connectTimeoutMs: number, secrets: readonly string[]): string {
  const code = (error as { code?: unknown }).code;
  const where = `${at.host}:${at.port}`;
  if (code === 'ECONNREFUSED') return `connection refused at ${where}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host ${at.host} not found`;
  if ((error as Error).message === 'timeout expired') {
    return `no answer from ${where} within ${connectTimeoutMs / 1000} s`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} is unreachable`;
  return scrub((error as Error).message ?? String(error), secrets);
}

export function unavailable(engine: string, reason: string): HearthError {
  return new HearthError(ErrorCode.EngineUnavailable, `engine ${engine}: ${reason}`);
}

/** A statement's failure, named by its label, with Postgres's reason and detail (scrubbed). */
export function statementFailed(label: string, error: unknown, secrets: readonly string[]): HearthError {
  const { message, detail } = error as { message?: string; detail?: string };
  const reason = [message ?? String(error), detail].filter(Boolean).join(': ');
  return new HearthError(ErrorCode.RoleInvalid, `${label} failed: ${scrub(reason, secrets)}`);
}
