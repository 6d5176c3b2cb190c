import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditRecordQuery } from '@hearth/contracts';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

/** Paths whose `_`, `%` or `\` a LIKE would read as a wildcard or an escape, each beside a path it must not match. */
const TRICKY_PATHS = [
  'hearth/acme_co/postgres',
  'hearth/acmexco/postgres',
  'hearth/50%off/redis',
  'hearth/50-more-off/redis',
  'hearth/back\\slash/redis',
  'hearth/backslash/redis',
  'hearth/back\\\\twice/redis',
];
/** Enough other records that reading the whole table costs more than the path index. */
const FILLER = 2_000;

describe('searching audit_log by path prefix', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness();
    const paths = [...TRICKY_PATHS, ...Array.from({ length: FILLER }, (_, i) => `hearth/ws-${i % 200}/postgres`)];
    await h.append(
      paths.map((path) => secretReadFixture({ path })),
      0,
    );
    await h.runtime.dataSource.query('ANALYZE audit_log');
  });
  afterAll(() => h?.close());

  const pathsFor = async (prefix: string) => {
    const page = await h.hatch.useCases.searchRecords.run(AuditRecordQuery.parse({ path_prefix: prefix, limit: 1000 }));
    return page.items.map((r) => r.subject_path);
  };

  it('matches `_`, `%` and `\\` in a prefix literally', async () => {
    expect(await pathsFor('hearth/acme_')).toEqual(['hearth/acme_co/postgres']);
    expect(await pathsFor('hearth/50%')).toEqual(['hearth/50%off/redis']);
    expect(await pathsFor('hearth/back\\s')).toEqual(['hearth/back\\slash/redis']);
    expect(await pathsFor('hearth/back\\\\')).toEqual(['hearth/back\\\\twice/redis']);
    expect(await pathsFor('hearth/back')).toEqual([
      'hearth/back\\slash/redis',
      'hearth/backslash/redis',
      'hearth/back\\\\twice/redis',
    ]);
    expect(await pathsFor('hearth/ws-17/')).toHaveLength(FILLER / 200);
    expect(await pathsFor('hearth/acme_co/postgres/')).toEqual([]);
  });

  it('reads a prefix through the audit_log_path index, parameter and all', async () => {
    const [sql, parameters] = h.hatch.log
      .searchQuery(AuditRecordQuery.parse({ path_prefix: 'hearth/acme_' }), FILLER * 2)
      .getQueryAndParameters();
    const runner = h.runtime.dataSource.createQueryRunner();
    let plan: string;
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL enable_seqscan = off');
      // EXPLAIN of the very statement search sends, with its parameters bound as it binds them.
      const rows = (await runner.query(`EXPLAIN ${sql}`, parameters)) as Array<{ 'QUERY PLAN': string }>;
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(plan).toContain('audit_log_path');
    expect(plan).toMatch(/Index Cond: .*subject_path ~>=~ 'hearth\/acme_'/);
  });
});
