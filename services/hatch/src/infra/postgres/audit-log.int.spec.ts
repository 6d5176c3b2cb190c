import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain, type ChainVerdict } from '@hearth/audit-chain';
import type { EntityManager } from 'typeorm';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { readChain } from '../../test/read-chain.js';

/**
 * The log as an attacker with database access meets it: the table refuses changes, so they disable
 * its triggers first; whatever they then change, verification names the first bad seq. Each attack
 * runs in a transaction rolled back afterwards, so every case starts from the same untouched log.
 */
describe('the audit_log table', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 5 });
    // Appended straight through the use case, in batches of various sizes, as the ingest would.
    for (const [from, to] of [
      [0, 1],
      [1, 7],
      [7, 8],
      [8, 20],
    ] as const) {
      const events = Array.from({ length: to - from }, (_, i) =>
        secretReadFixture({ actor: `svc-${from + i + 1}`, data: { version: from + i + 1 } }),
      );
      await h.append(events, from);
    }
  });
  afterAll(() => h?.close());

  async function attack(change: (tx: EntityManager) => Promise<unknown>): Promise<ChainVerdict> {
    const runner = h.runtime.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await runner.query('ALTER TABLE checkpoints DISABLE TRIGGER USER');
      await change(runner.manager);
      const { records, checkpoints } = await readChain(runner.manager);
      return verifyChain(records, checkpoints, h.publicKey);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  /** Moves the rows with seq >= `from` by `by` (out of the way first, so the primary key never collides). */
  const shift = async (tx: EntityManager, from: number, by: number) => {
    await tx.query('UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= $1', [from]);
    await tx.query('UPDATE audit_log SET seq = seq - 1000000 + $1 WHERE seq > 1000000', [by]);
  };

  it('verifies untouched', async () => {
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(records).toHaveLength(20);
    expect(checkpoints.map((c) => c.seq)).toEqual([5, 10, 15, 20]);
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true, lastSeq: 20, unsignedTail: 0 });
  });

  it.each([
    ['UPDATE audit_log SET actor = $1 WHERE seq = 3', ['x']],
    ['DELETE FROM audit_log WHERE seq = 3', []],
    ['TRUNCATE audit_log', []],
    ['UPDATE checkpoints SET hash = $1 WHERE seq = 5', ['0'.repeat(64)]],
    ['DELETE FROM checkpoints', []],
    ['TRUNCATE checkpoints', []],
  ])('refuses %s', async (sql, params) => {
    await expect(h.runtime.dataSource.query(sql, params)).rejects.toThrow(/append-only/);
  });

  it('names an edited field', async () => {
    expect(await attack((tx) => tx.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 7`))).toMatchObject({
      ok: false,
      firstBadSeq: 7,
    });
  });

  it('names an edited field deep in the data', async () => {
    expect(
      await attack((tx) => tx.query(`UPDATE audit_log SET data = jsonb_set(data, '{version}', '99') WHERE seq = 8`)),
    ).toMatchObject({ ok: false, firstBadSeq: 8 });
  });

  it('names a deleted row', async () => {
    expect(await attack((tx) => tx.query('DELETE FROM audit_log WHERE seq = 12'))).toMatchObject({
      ok: false,
      firstBadSeq: 12,
    });
  });

  it('names a deleted row when the rows after it are renumbered', async () => {
    const verdict = await attack(async (tx) => {
      await tx.query('DELETE FROM audit_log WHERE seq = 12');
      await shift(tx, 13, -1);
    });
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 12 });
  });

  it('names an inserted row', async () => {
    const verdict = await attack(async (tx) => {
      await shift(tx, 9, 1);
      // A copy of record 8 under a new event id, slipped in as 9, linked to 8 as the real 9 was.
      await tx.query(`
        INSERT INTO audit_log
        SELECT 9, gen_random_uuid(), event_type, occurred_at, recorded_at, source, action, 'mallory', subject_path,
               workspace_slug, outcome, trace_id, correlation_id, causation_id, data, hash, hash
        FROM audit_log WHERE seq = 8`);
    });
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 9 });
  });

  it('names two swapped rows by the earlier', async () => {
    const verdict = await attack(async (tx) => {
      await tx.query('UPDATE audit_log SET seq = 1000003 WHERE seq = 3');
      await tx.query('UPDATE audit_log SET seq = 3 WHERE seq = 6');
      await tx.query('UPDATE audit_log SET seq = 6 WHERE seq = 1000003');
    });
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('names a truncated tail through the last checkpoint', async () => {
    expect(await attack((tx) => tx.query('DELETE FROM audit_log WHERE seq > 13'))).toMatchObject({
      ok: false,
      firstBadSeq: 14,
    });
  });

  it('names a forged checkpoint', async () => {
    const verdict = await attack((tx) =>
      tx.query(`UPDATE checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 14) WHERE seq = 15`),
    );
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 15 });
  });

  it('names a forged checkpoint slipped in beside the real ones', async () => {
    const verdict = await attack((tx) =>
      tx.query(`INSERT INTO checkpoints SELECT 12, hash, now(), 'AAAA' FROM audit_log WHERE seq = 12`),
    );
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 12 });
  });

  it('leaves the log untouched after every attack', async () => {
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true, lastSeq: 20 });
  });
});
