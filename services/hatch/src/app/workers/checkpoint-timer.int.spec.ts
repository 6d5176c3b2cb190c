import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { until } from '@hearth/testkit';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { CheckpointTimer } from './checkpoint-timer.js';

describe('the checkpoint timer', () => {
  let h: HatchHarness;
  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 100 });
  });
  afterAll(() => h?.close());

  it('signs the head of a quiet log within its interval, and again once records arrive', async () => {
    const timer = new CheckpointTimer(h.hatch.useCases.signCheckpoint, h.runtime.logger, 100);
    const signedAt = async (seq: number) => (await h.hatch.checkpoints.last())?.seq === seq;
    timer.start();
    try {
      await h.append([secretReadFixture(), secretReadFixture()], 0);
      await until(() => signedAt(2), { what: 'the timer signed seq 2' });
      await h.append([secretReadFixture()], 2);
      await until(() => signedAt(3), { what: 'the timer signed seq 3' });
    } finally {
      await timer.stop();
    }
    expect((await h.hatch.checkpoints.between(0, 3)).map((c) => c.seq)).toEqual([2, 3]);
  });
});
