import { describe, expect, it } from '@jest/globals';
import { NEW_SOURCE, track, trailing, unrecoverable, type SourceSequence } from './source-sequence.js';

const ids = () => {
  let n = 0;
  return () => `gap-${++n}`;
};

describe("a source's numbering", () => {
  it('moves its head over numbers in order and opens no gap', () => {
    expect(track(NEW_SOURCE, [1, 2, 3], ids())).toEqual({ sequence: { head: 3, open: [] }, detected: [], filled: [] });
  });

  it('opens a gap for numbers skipped, and fills it as they arrive, in any order', () => {
    const skipped = track(NEW_SOURCE, [1, 2, 6], ids());
    expect(skipped.detected).toEqual([{ gapId: 'gap-1', from: 3, to: 5 }]);
    expect(skipped.sequence.head).toBe(6);

    const partly = track(skipped.sequence, [4], ids());
    expect(partly.filled).toEqual([]);
    expect(partly.sequence.open.map((r) => [r.from, r.to])).toEqual([
      [3, 3],
      [5, 5],
    ]);

    const whole = track(partly.sequence, [5, 3, 3], ids());
    expect(whole.filled).toEqual([{ gapId: 'gap-1', from: 3, to: 5 }]);
    expect(whole.sequence).toEqual({ head: 6, open: [] });
  });

  it('detects and fills a gap within one batch', () => {
    expect(track(NEW_SOURCE, [2, 1], ids())).toMatchObject({
      detected: [{ from: 1, to: 1 }],
      filled: [{ from: 1, to: 1 }],
      sequence: { head: 2, open: [] },
    });
  });

  it('takes a copy of a number it has as nothing', () => {
    const state: SourceSequence = { head: 4, open: [] };
    expect(track(state, [2, 4], ids())).toEqual({ sequence: state, detected: [], filled: [] });
  });

  it("opens a trailing gap up to the emitter's head, none when hatch has it all", () => {
    const state: SourceSequence = { head: 4, open: [] };
    expect(trailing(state, 4, ids()).detected).toEqual([]);
    const behind = trailing(state, 6, ids());
    expect(behind.detected).toEqual([{ gapId: 'gap-1', from: 5, to: 6 }]);
    expect(behind.sequence.head).toBe(6);
  });

  it('marks a gap unrecoverable once, where the emitter no longer holds some of it', () => {
    const { sequence } = track(NEW_SOURCE, [1, 5, 9], ids());
    const lost = unrecoverable(sequence, [{ from: 6, to: 6 }]);
    expect(lost.gaps).toEqual([{ gapId: 'gap-2', from: 6, to: 8 }]);
    expect(unrecoverable(lost.sequence, [{ from: 6, to: 6 }]).gaps).toEqual([]);
  });
});
