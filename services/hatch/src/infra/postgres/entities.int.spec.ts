import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { openHatchDatabase } from '../../test/hatch-database.js';
import { hatchEntities } from './entities.js';

/** The entities are the one definition of hatch's columns: they must describe the tables the migrations make. */
describe("hatch's entities", () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase('hearth_hatch');
    dataSource = await openHatchDatabase(db.name);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('match the migrated schema: TypeORM would change nothing of their tables', async () => {
    const tables = hatchEntities.map((entity) => `"${dataSource.getMetadata(entity).tableName}`);
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    // The platform's own tables are the platform's to check; an index is named after its table.
    const ours = upQueries.map((q) => q.query).filter((query) => tables.some((table) => query.includes(table)));
    expect(ours).toEqual([]);
  });
});
