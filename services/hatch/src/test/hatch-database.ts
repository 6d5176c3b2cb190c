import { openDatabase } from '@hearth/platform/postgres';
import { pgEnv } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { hatchEntities } from '../infra/postgres/entities.js';
import { hatchMigrations } from '../infra/postgres/migrations/index.js';

/** The database of a hatch running as a process, read through hatch's own entities. */
export function openHatchDatabase(database: string): Promise<DataSource> {
  return openDatabase(pgEnv, {
    database,
    migrations: hatchMigrations,
    entities: hatchEntities,
    applicationName: 'hatch-test',
  });
}
