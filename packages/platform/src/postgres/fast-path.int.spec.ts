import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, type TestDatabase } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { openDatabase } from './database.js';
import { FastPath, type PreparedStatement } from './fast-path.js';
import { TypeOrmUnitOfWork } from './unit-of-work.js';

const INSERT: PreparedStatement = { name: 'test_probe_insert', text: 'INSERT INTO probe VALUES ($1) RETURNING n' };
const COUNT: PreparedStatement = { name: 'test_probe_count', text: 'SELECT count(*)::int AS n FROM probe' };

describe('the fast path', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let fastPath: FastPath;
  let uow: TypeOrmUnitOfWork;
  const count = async () => (await fastPath.query<{ n: number }>(COUNT, []))[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, { database: db.name, migrations: [], applicationName: 'test' });
    await dataSource.query('CREATE TABLE probe (n int)');
    fastPath = new FastPath(dataSource);
    uow = new TypeOrmUnitOfWork(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('runs a named statement on the pool, committed on its own', async () => {
    expect(await fastPath.query(INSERT, [1])).toEqual([{ n: 1 }]);
    expect(await count()).toBe(1);
  });

  it('runs it inside a unit of work on that transaction’s connection: it commits or rolls back with the rest', async () => {
    await expect(
      uow.run(async (tx) => {
        await fastPath.query(INSERT, [2], tx);
        await FastPath.queryIn(tx, INSERT, [3]);
        expect(await fastPath.query(COUNT, [], tx)).toEqual([{ n: 3 }]); // seen inside …
        expect(await count()).toBe(1); // … not outside, before the commit
        throw new Error('the unit of work fails');
      }),
    ).rejects.toThrow('the unit of work fails');
    expect(await count()).toBe(1);

    await uow.run(async (tx) => {
      await fastPath.query(INSERT, [2], tx);
    });
    expect(await count()).toBe(2);
  });
});
