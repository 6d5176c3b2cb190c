/** Numbers of one source that have not arrived, `from..to` inclusive, within the gap they opened in. */
export interface OpenRange {
  gap: DetectedGap;
  from: number;
  to: number;
  /** The emitter said it no longer holds some of them. */
  unrecoverable: boolean;
}

/** What hatch knows of one source's numbering: the highest number seen and what is missing below it. */
export interface SourceSequence {
  head: number;
  open: OpenRange[];
}

export const NEW_SOURCE: SourceSequence = { head: 0, open: [] };

/** A gap as first seen: the numbers between the head and the number that skipped them. */
export interface DetectedGap {
  gapId: string;
  from: number;
  to: number;
}

export interface Tracked {
  sequence: SourceSequence;
  detected: DetectedGap[];
  /** Gaps whose every number has now arrived. */
  filled: DetectedGap[];
}

/**
 * Takes the numbers that arrived, in arrival order. A number past the head + 1 opens a gap; a number
 * at or below the head closes it in its range (a refill, or a copy: a copy changes nothing). A gap
 * is filled when none of its ranges is left. Pure: the gap ids come from `newId`.
 */
export function track(state: SourceSequence, arrived: readonly number[], newId: () => string): Tracked {
  let { head, open } = state;
  const detected: DetectedGap[] = [];
  for (const seq of arrived) {
    if (seq > head + 1) {
      const gap = { gapId: newId(), from: head + 1, to: seq - 1 };
      detected.push(gap);
      open = [...open, { gap, from: gap.from, to: gap.to, unrecoverable: false }];
    }
    if (seq > head) {
      head = seq;
      continue;
    }
    open = open.flatMap((range) =>
      seq < range.from || seq > range.to
        ? [range]
        : [
            ...(range.from < seq ? [{ ...range, to: seq - 1 }] : []),
            ...(seq < range.to ? [{ ...range, from: seq + 1 }] : []),
          ],
    );
  }
  const stillOpen = new Set(open.map((r) => r.gap.gapId));
  const gaps = new Map([...state.open.map((r) => r.gap), ...detected].map((g) => [g.gapId, g]));
  const filled = [...gaps.values()].filter((g) => !stillOpen.has(g.gapId));
  return { sequence: { head, open }, detected, filled };
}

/** The emitter's head is past hatch's: the numbers after hatch's head never arrived (the last ones went missing). */
export function trailing(state: SourceSequence, emitterHead: number, newId: () => string): Tracked {
  if (emitterHead <= state.head) return { sequence: state, detected: [], filled: [] };
  const gap = { gapId: newId(), from: state.head + 1, to: emitterHead };
  return {
    sequence: { head: emitterHead, open: [...state.open, { gap, from: gap.from, to: gap.to, unrecoverable: false }] },
    detected: [gap],
    filled: [],
  };
}

/** Marks the ranges that overlap what the emitter no longer holds; returns the gaps newly found unrecoverable. */
export function unrecoverable(
  state: SourceSequence,
  missing: ReadonlyArray<{ from: number; to: number }>,
): { sequence: SourceSequence; gaps: DetectedGap[] } {
  const gaps = new Map<string, DetectedGap>();
  const open = state.open.map((range) => {
    const lost = missing.some((m) => m.from <= range.to && m.to >= range.from);
    if (!lost || range.unrecoverable) return range;
    gaps.set(range.gap.gapId, range.gap);
    return { ...range, unrecoverable: true };
  });
  return { sequence: { head: state.head, open }, gaps: [...gaps.values()] };
}
