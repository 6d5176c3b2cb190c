import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { openHatchDatabase } from '../../test/hatch-database.js';

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

  it('match the migrated schema: TypeORM would change nothing', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});
