import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { Transaction } from '../ports/unit-of-work.js';
import { managerOf } from './unit-of-work.js';

/** A statement prepared once per connection under its name, then only bound and executed. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * The one way past TypeORM, kept for the measured hot statements only: the audited read's
 * single-statement commit, the event append and the outbox relay's batch and LISTEN. These run as
 * named prepared statements on the pg pool under the DataSource (bench: +67% select throughput), which
 * TypeORM's query runner cannot prepare. Everything else goes through entities and repositories.
 */
export class FastPath {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    // TypeORM's PostgresDriver keeps its pg pool as `master` (typed any in its declarations).
    this.pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  }

  /** Runs `statement` on a pooled connection, or inside `tx` (on its connection) so it commits with the rest. */
  async query<R extends pg.QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
    tx?: Transaction,
  ): Promise<R[]> {
    if (tx) return FastPath.queryIn<R>(tx, statement, values);
    const result = await this.pool.query<R>({ name: statement.name, text: statement.text, values });
    return result.rows;
  }

  /** A connection of its own, for a caller that holds one (the relay's LISTEN, a batch's transaction). */
  connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  /** Runs `statement` inside `tx`, for code that only ever runs in one and holds no FastPath (the event store). */
  static async queryIn<R extends pg.QueryResultRow>(
    tx: Transaction,
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<R[]> {
    const client = await connectionOf(tx);
    const result = await client.query<R>({ name: statement.name, text: statement.text, values });
    return result.rows;
  }
}

/** The pg connection a UnitOfWork's transaction runs on (its query runner is connected already). */
async function connectionOf(tx: Transaction): Promise<pg.PoolClient> {
  const runner = managerOf(tx).queryRunner;
  if (!runner) throw new Error('not a transaction: its EntityManager has no query runner');
  return (await runner.connect()) as pg.PoolClient;
}
