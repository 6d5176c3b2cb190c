import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditVerification } from '@hearth/contracts';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

/** hatch checking its own chain over a real database, carried on as the log grows. */
describe('verifying the chain for the auditor', () => {
  let h: HatchHarness;
  let appended = 0;
  const append = async (count: number) => {
    await h.append(
      Array.from({ length: count }, (_, i) => secretReadFixture({ actor: `svc-${appended + i + 1}` })),
      appended,
    );
    appended += count;
  };
  const verify = async () => AuditVerification.parse(await h.hatch.useCases.verifyChain.run());

  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 4 });
  });
  afterAll(() => h?.close());

  it('verifies an empty log, then each part of it as it grows', async () => {
    expect(await verify()).toMatchObject({ head_seq: 0, verified_through_seq: 0, ok: true, last_checkpoint: null });
    await append(6);
    expect(await verify()).toMatchObject({
      head_seq: 6,
      verified_through_seq: 6,
      ok: true,
      problem: null,
      last_checkpoint: { seq: 4 },
    });
    await append(3);
    expect(await verify()).toMatchObject({
      head_seq: 9,
      verified_through_seq: 9,
      ok: true,
      last_checkpoint: { seq: 8 },
    });
  });

  it('names the first record past the verified head that was changed, and stays failed', async () => {
    await append(4); // 10..13
    const runner = h.runtime.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
      await runner.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 11`);
      await runner.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    } finally {
      await runner.release();
    }
    const failed = await verify();
    expect(failed).toMatchObject({ head_seq: 13, verified_through_seq: 10, ok: false });
    expect(failed.problem).toContain('record 11');
    await append(1);
    expect(await verify()).toMatchObject({ head_seq: 14, verified_through_seq: 10, ok: false });
  });
});
