import pg from 'pg';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import type { PlatformEnv } from '../config/config.js';
import { platformEntities } from './platform-entities.js';
import { platformMigrations } from './platform-schema.migration.js';

type Connection = Pick<PlatformEnv, 'PGHOST' | 'PGPORT' | 'PGUSER' | 'PGPASSWORD'>;

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates `database` if it is missing; safe when several services start at once. */
export async function ensureDatabase(env: Connection, database: string): Promise<void> {
  if (!DATABASE_NAME.test(database)) throw new Error(`not a database name: ${database}`);
  const client = new pg.Client({ ...connectionOf(env), database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE "${database}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04' && error.code !== '23505') throw error; // created meanwhile
    });
  } finally {
    await client.end();
  }
}

export interface DatabaseOptions {
  database: string;
  /** The service's own migrations; the platform's are added (TypeORM runs them all in timestamp order). */
  migrations: (new () => MigrationInterface)[];
  /** The service's TypeORM entities (the one definition of each table's columns); the platform's are added. */
  entities?: DataSourceOptions['entities'];
  poolSize?: number;
  applicationName: string;
}

/**
 * Opens a service's own database (creating it if missing) and brings its schema up to date, the
 * platform's tables (events, outbox, processed_messages) included. TypeORM only ever changes the
 * schema through migrations: `synchronize` stays off.
 */
export async function openDatabase(env: Connection, options: DatabaseOptions): Promise<DataSource> {
  await ensureDatabase(env, options.database);
  const { user, ...connection } = connectionOf(env);
  const dataSource = new DataSource({
    type: 'postgres',
    ...connection,
    username: user,
    database: options.database,
    applicationName: options.applicationName,
    synchronize: false,
    migrationsRun: false,
    migrations: withPlatformMigrations(options.migrations),
    entities: [...platformEntities, ...listOf(options.entities)],
    migrationsTableName: 'schema_migrations',
    poolSize: options.poolSize ?? 10,
    logging: false,
    // A client gone silent (its host cut off) is noticed within seconds rather than the kernel's two
    // hours, on both ends: the server ends its session, and the advisory locks it held (the relay's
    // turn, hatch's ingest turn) pass to a replica.
    extra: {
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
    },
  });
  await dataSource.initialize();
  await migrateAlone(dataSource);
  return dataSource;
}

/**
 * Runs the pending migrations holding a lock on the database, so that replicas starting at once
 * take turns: the first migrates, the others find nothing left to run (two at once would both
 * create the same tables, and one would fail to start).
 */
async function migrateAlone(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtextextended('hearth.migrations', 0))`);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtextextended('hearth.migrations', 0))`);
    }
  } finally {
    await runner.release();
  }
}

/** A service that still lists a platform migration itself gets it once. */
function withPlatformMigrations(own: DatabaseOptions['migrations']): DatabaseOptions['migrations'] {
  const names = new Set(platformMigrations.map((migration) => migration.name));
  return [...platformMigrations, ...own.filter((migration) => !names.has(migration.name))];
}

function listOf<T>(list: T[] | Record<string, T> | undefined): T[] {
  return Array.isArray(list) ? list : Object.values(list ?? {});
}

function connectionOf(env: Connection) {
  return {
    host: env.PGHOST,
    port: env.PGPORT,
    user: env.PGUSER,
    ...(env.PGPASSWORD ? { password: env.PGPASSWORD } : {}),
  };
}
