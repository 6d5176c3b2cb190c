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
 * The one way past TypeORM, for statements on a measured hot path only: the audited read (version
 * lookup, principal lookup, its single-statement commit), discovery's get, the event append, the
 * outbox relay, and hatch's batch append, claim and record feed. They run as named prepared
 * statements on the pg pool under the DataSource (bench: +67% select throughput), which TypeORM's
 * query runner cannot prepare. Everything else goes through entities and repositories.
 */
export class FastPath {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    // TypeORM's PostgresDriver keeps its pg pool as `master` (typed any in its declarations); a TypeORM
    // that stops doing so fails here, at start, not on the first hot request.
    const master = (dataSource.driver as unknown as { master?: Partial<pg.Pool> }).master;
    if (typeof master?.query !== 'function' || typeof master.connect !== 'function')
      throw new Error('FastPath: the DataSource has no pg pool (is it initialized, and TypeORM still on pg?)');
    this.pool = master as pg.Pool;
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
