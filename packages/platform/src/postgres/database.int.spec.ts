import { afterAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, type TestDatabase } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { openDatabase } from './database.js';
import { platformMigrations } from './platform-schema.migration.js';

describe('opening a database', () => {
  let db: TestDatabase | undefined;
  const opened: DataSource[] = [];
  afterAll(async () => {
    for (const dataSource of opened) await dataSource.destroy();
    await db?.drop();
  });

  it('brings a fresh database up to date once when replicas start at the same moment', async () => {
    db = await createTestDatabase('hearth_platform');
    const open = (replica: number) =>
      openDatabase(pgEnv, { database: db!.name, migrations: [], applicationName: `replica-${replica}` });
    opened.push(...(await Promise.all([1, 2, 3].map(open))));

    const ran = await opened[0]!.query<Array<{ name: string }>>('SELECT name FROM schema_migrations ORDER BY id');
    expect(ran.map((r) => r.name)).toEqual(platformMigrations.map((migration) => migration.name));
  });

  it('has the server probe a silent client within seconds, so a dead holder’s locks pass on', async () => {
    const [setting] = await opened[0]!.query<Array<{ idle: string; count: string }>>(
      `SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_count') AS count`,
    );
    expect(setting).toEqual({ idle: '10', count: '3' });
  });
});
