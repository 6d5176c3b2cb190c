import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportLine, verifyExport } from '@hearth/audit-chain';
import { secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

/** The export as hatch serves it, over a real database: signed at its head, so a cut tail shows. */
describe('exporting the log', () => {
  let h: HatchHarness;
  let appended = 0;
  /** Appends `count` events through the use case, as the ingest would. */
  const append = async (count: number) => {
    await h.append(
      Array.from({ length: count }, (_, i) => secretReadFixture({ actor: `svc-${appended + i + 1}` })),
      appended,
    );
    appended += count;
  };
  const exportText = async () => {
    let text = '';
    for await (const line of h.hatch.useCases.exportLog.run(new AbortController().signal)) text += exportLine(line);
    return text;
  };
  const storedCheckpoints = async () =>
    (await h.hatch.checkpoints.between(0, Number.MAX_SAFE_INTEGER)).map((c) => c.seq);

  beforeAll(async () => {
    h = await startHatchHarness({ checkpointEvery: 10 });
  });
  afterAll(() => h?.close());

  it('signs and stores a checkpoint at the head when the head is past the last one', async () => {
    await append(13);
    expect(await storedCheckpoints()).toEqual([10]);
    const text = await exportText();
    expect(await storedCheckpoints()).toEqual([10, 13]);
    expect(verifyExport(text, { publicKey: h.publicKey })).toMatchObject({
      ok: true,
      lastSeq: 13,
      lastCheckpointSeq: 13,
      unsignedTail: 0,
    });
    // The stored one is the one exported, so the database verifies as the export did.
    expect(text).toContain(JSON.stringify({ kind: 'checkpoint', checkpoint: await h.hatch.checkpoints.last() }));
  });

  it('signs nothing new when the head is covered already', async () => {
    await exportText();
    expect(await storedCheckpoints()).toEqual([10, 13]);
  });

  it('signs the head it exports even when records appended meanwhile were checkpointed past it', async () => {
    await append(2);
    const head = await h.hatch.log.committedHead(); // 15: what an export starting now pins
    await append(5); // 16..20 arrive before it signs; 20 is checkpointed as appended
    expect(await storedCheckpoints()).toEqual([10, 13, 20]);
    expect(await h.hatch.useCases.signCheckpoint.signHead(head)).toMatchObject({ seq: 15, hash: head.hash });
    expect(await storedCheckpoints()).toEqual([10, 13, 15, 20]);
  });

  it('cannot lose its last records unnoticed, however the cut is made', async () => {
    await append(2); // 21, 22: past checkpoint 20
    const lines = (await exportText()).split('\n');
    const without = (drop: (line: string) => boolean) => lines.filter((l) => !drop(l)).join('\n');
    const isRecord = (seq: number) => (l: string) => l.startsWith(`{"kind":"record","record":{"seq":${seq},`);
    const isCheckpoint = (seq: number) => (l: string) => l.includes(`"checkpoint":{"seq":${seq},`);
    expect(lines.filter(isRecord(22))).toHaveLength(1);
    expect(lines.filter(isCheckpoint(22))).toHaveLength(1);
    expect(verifyExport(lines.join('\n'), { publicKey: h.publicKey })).toMatchObject({ ok: true, lastSeq: 22 });

    const cut = without((l) => isRecord(22)(l) || isCheckpoint(22)(l));
    expect(verifyExport(cut, { publicKey: h.publicKey })).toMatchObject({ ok: false, firstBadSeq: 22 });
    const headerEdited = cut.replace('"head_seq":22', '"head_seq":21');
    expect(headerEdited).not.toEqual(cut);
    expect(verifyExport(headerEdited, { publicKey: h.publicKey })).toMatchObject({ ok: false, firstBadSeq: 21 });
  });
});
