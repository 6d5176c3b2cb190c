import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyChain } from '@hearth/audit-chain';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';
import { readChain } from '../../test/read-chain.js';

/** The checkpoints hatch signs besides every N-th append: a quiet log's head, and an export's. */
describe('signing the head of the log', () => {
  let h: HatchHarness;
  let appended = 0;
  const append = async (count: number) => {
    await h.append(
      Array.from({ length: count }, () => secretReadFixture()),
      appended,
    );
    appended += count;
  };
  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 100 });
  });
  afterAll(() => h?.close());

  it('signs nothing on an empty log', async () => {
    expect(await h.hatch.useCases.signCheckpoint.run()).toBeNull();
    expect(await h.hatch.checkpoints.last()).toBeNull();
  });

  it('signs the committed head when records arrived since the last checkpoint, and only then', async () => {
    await append(3);
    const head = await h.hatch.log.committedHead();
    expect(await h.hatch.useCases.signCheckpoint.run()).toMatchObject({ seq: 3, hash: head.hash });
    expect(await h.hatch.useCases.signCheckpoint.run()).toBeNull(); // nothing new since
    const { records, checkpoints } = await readChain(h.runtime.dataSource.manager);
    expect(verifyChain(records, checkpoints, h.publicKey)).toMatchObject({ ok: true, unsignedTail: 0 });
  });

  it("stores an export's head once, whoever got there first", async () => {
    expect(await h.hatch.useCases.signCheckpoint.signHead(await h.hatch.log.committedHead())).toBeNull(); // 3 is signed
    await append(2);
    const head = await h.hatch.log.committedHead();
    expect(await h.hatch.useCases.signCheckpoint.signHead(head)).toMatchObject({ seq: 5, hash: head.hash });
    expect(await h.hatch.useCases.signCheckpoint.signHead(head)).toBeNull();
    expect((await h.hatch.checkpoints.between(0, 5)).map((c) => c.seq)).toEqual([3, 5]);
  });
});
