import { ErrorCode, HearthError } from '@hearth/contracts';
import type pg from 'pg';
import { isConnectionFailure, reasonOf, statementFailed, unavailable, type Address } from './failures.js';
import type { RenderedStatement } from './statements.js';

/**
 * One call's use of an engine's connection. Every statement goes through the extended protocol
 * (Parse/Bind/Execute), where Postgres refuses more than one command: an entry of a role cannot carry
 * a second statement past its quoting. A statement's failure is VAULT.ROLE_INVALID naming it; a lost
 * connection is VAULT.ENGINE_UNAVAILABLE. Messages are scrubbed of `secrets`.
 */
export class DdlSession {
  constructor(
    private readonly client: pg.Client,
    readonly engine: string,
    private readonly at: Address,
    private readonly secrets: readonly string[],
    /** The connection is lost, or left inside a transaction it could not end: its engine drops it. */
    private readonly lost: (beforeAnything: boolean) => void,
    /** A client, not yet connected, for another database of the same server, as the same admin. */
    private readonly clientFor: (database: string) => pg.Client,
  ) {}

  /**
   * Runs `task` on another database of the server, on a connection of its own that is closed after it.
   * Failing to reach it is a failure of the call (VAULT.ROLE_INVALID naming the database).
   */
  async onDatabase<T>(database: string, task: (s: DdlSession) => Promise<T>): Promise<T> {
    const client = this.clientFor(database);
    try {
      await client.connect();
      return await task(new DdlSession(client, this.engine, this.at, this.secrets, () => undefined, this.clientFor));
    } catch (error) {
      if (error instanceof HearthError) throw error;
      throw statementFailed(`connecting to database ${database}`, error, this.secrets);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private sent = 0;

  async rows<Row extends pg.QueryResultRow>(label: string, sql: string, values: unknown[] = []): Promise<Row[]> {
    this.sent++;
    try {
      const config = { text: sql, values, queryMode: 'extended' } as pg.QueryConfig;
      return (await this.client.query<Row>(config)).rows;
    } catch (error) {
      if (!isConnectionFailure(error)) throw statementFailed(label, error, this.secrets);
      this.lost(this.sent === 1);
      throw unavailable(this.engine, reasonOf(error, this.at, 0, this.secrets));
    }
  }

  async exec(statement: RenderedStatement): Promise<void> {
    await this.rows(statement.label, statement.sql);
  }

  /** The statements in one transaction: all of them, or none. One statement is a transaction of its own. */
  async inTransaction(statements: readonly RenderedStatement[]): Promise<void> {
    if (statements.length === 1) return this.exec(statements[0]!);
    await this.exec({ label: 'BEGIN', sql: 'BEGIN' });
    try {
      for (const statement of statements) await this.exec(statement);
      await this.exec({ label: 'COMMIT', sql: 'COMMIT' });
    } catch (error) {
      await this.rollback(error);
      throw error;
    }
  }

  /** Ends a failed transaction, unless the failure was the connection's (then there is none to end). */
  async rollback(cause: unknown): Promise<void> {
    const connectionLost = cause instanceof HearthError && cause.code === ErrorCode.EngineUnavailable;
    if (connectionLost) return;
    await this.exec({ label: 'ROLLBACK', sql: 'ROLLBACK' }).catch(() => this.lost(false));
  }
}
