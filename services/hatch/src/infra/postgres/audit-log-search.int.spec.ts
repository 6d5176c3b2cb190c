import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { AuditRecordQuery } from '@hearth/contracts';
import { poolOf } from '@hearth/platform/postgres';
import { secretRead, SECRET_READ_SUBJECT } from '../../test/audit-events.js';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { searchStatement } from './audit-log.js';

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
    const messages = paths.map((path, i) => {
      const body = secretRead({ path });
      return { id: body.id, subject: SECRET_READ_SUBJECT, streamSeq: i + 1, text: JSON.stringify(body) };
    });
    await new TypeOrmUnitOfWork(h.runtime.dataSource).run((tx) => h.hatch.recordAuditEvents.run(messages, 0, tx));
    await h.runtime.dataSource.query('ANALYZE audit_log');
  });
  afterAll(() => h?.close());

  const pathsFor = async (prefix: string) => {
    const page = await h.hatch.log.search(AuditRecordQuery.parse({ path_prefix: prefix, limit: 1000 }));
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
    const statement = searchStatement(AuditRecordQuery.parse({ path_prefix: 'hearth/acme_' }), FILLER * 2);
    const client = await poolOf(h.runtime.dataSource).connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      // EXPLAIN of the very statement search sends, with its $n bound as pg binds it.
      const { rows } = await client.query<{ 'QUERY PLAN': string }>({
        ...statement,
        text: `EXPLAIN ${statement.text}`,
      });
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('audit_log_path');
      expect(plan).toMatch(/Index Cond: .*subject_path ~>=~ 'hearth\/acme_'/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
