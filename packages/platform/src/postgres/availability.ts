import { ErrorCode, HearthError } from '@hearth/contracts';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/** Errors of a socket that reaches no database (refused, reset, timed out, no such host). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server that will not serve: shutting down, starting up, out of connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** pg's and pg-pool's own words for a connection that is gone or never came (they carry no SQLSTATE). */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|not queryable/;
/** A database closed to connections (ALLOW_CONNECTIONS false): SQLSTATE 55000, a class too wide to take whole. */
const CLOSED_DATABASE = /^database ".*" is not currently accepting connections$/;

/**
 * Whether `error` says the database could not be reached, rather than that a statement failed: a
 * socket error, SQLSTATE class 08 (connection exception), a server shutting down or starting up or
 * out of connections, a database closed to connections. TypeORM's QueryFailedError is looked into.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')))
      return true;
    // pg's own words only: a server error (it has a SQLSTATE) may repeat a caller's input in its message.
    if (typeof code !== 'string' && typeof message === 'string' && CONNECTION_LOST.test(message)) return true;
    if (code === '55000' && typeof message === 'string' && CLOSED_DATABASE.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A service's database as its edges see it: a request that fails for want of the database is refused
 * with HEARTH.DATABASE_UNAVAILABLE (transient), and the outage is logged once when the first request
 * meets it and once when the pool connects again, not once per refused request.
 */
export class DatabaseAvailability {
  private down = false;

  constructor(private readonly logger: Logger) {}

  /** Watches the pool under `dataSource`: a connection made while the database was down means it is back. */
  watch(dataSource: DataSource): this {
    // TypeORM's PostgresDriver keeps its pg pool as `master` (as FastPath relies on too).
    const pool = (dataSource.driver as unknown as { master?: Pick<pg.Pool, 'on'> }).master;
    pool?.on('connect', () => this.back());
    return this;
  }

  /** The refusal a caller gets for `error` when the database could not be reached, else null. */
  refusal(error: unknown): HearthError | null {
    if (!isDatabaseUnavailable(error)) return null;
    if (!this.down) {
      this.down = true;
      this.logger.error({ err: error }, 'database unavailable: requests that need it are refused until it is back');
    }
    return new HearthError(ErrorCode.DatabaseUnavailable, 'the database is unavailable; try again shortly');
  }

  private back(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('database reachable again');
  }
}
