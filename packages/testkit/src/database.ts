import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where tests find Postgres: the PG* variables, or the machine's defaults. */
export const pgEnv = {
  PGHOST: process.env.PGHOST ?? '127.0.0.1',
  PGPORT: Number(process.env.PGPORT ?? 5432),
  PGUSER: process.env.PGUSER ?? 'postgres',
  ...(process.env.PGPASSWORD ? { PGPASSWORD: process.env.PGPASSWORD } : {}),
};

export interface TestDatabase {
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: pgEnv.PGHOST,
    port: pgEnv.PGPORT,
    user: pgEnv.PGUSER,
    password: pgEnv.PGPASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, uniquely named database, dropped by `drop()`. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`not a database name prefix: ${prefix}`);
  const name = `${prefix}_t${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs one query against `database` on a connection of its own. */
export async function queryDatabase<T>(database: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({
    host: pgEnv.PGHOST,
    port: pgEnv.PGPORT,
    user: pgEnv.PGUSER,
    password: pgEnv.PGPASSWORD,
    database,
  });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every row of every table of `database`, as text (bytea as hex): for grepping for a canary. */
export async function databaseText(database: string): Promise<string> {
  const tables = await queryDatabase<{ tablename: string }>(
    database,
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
  );
  const parts = await Promise.all(
    tables.map(({ tablename }) => queryDatabase<{ t: string }>(database, `SELECT t::text AS t FROM "${tablename}" t`)),
  );
  return parts
    .flat()
    .map((r) => r.t)
    .join('\n');
}
