import { measure, summarize, type Measurement } from './measure.js';
import { fixed, printTable, whole } from './report.js';

export type Side = 'baseline' | 'hearth';

const SEGMENT_MS = 5_000;
/** Measured in this order: each pair swaps places in the second round, so drift hits both sides alike. */
const SEGMENTS: ReadonlyArray<readonly [Side, number]> = [
  ['baseline', 1],
  ['hearth', 1],
  ['baseline', 64],
  ['hearth', 64],
  ['hearth', 1],
  ['baseline', 1],
  ['hearth', 64],
  ['baseline', 64],
];

export interface Comparison {
  /** What one request does, for the summary's heading. */
  title: string;
  requests: Record<Side, () => Promise<unknown>>;
  /** hearth/baseline: p50 at one caller at most, throughput at 64 callers at least. */
  /** p50RatioAt1 absent: the p50 ratio is reported with no target (the benchmark judges another latency). */
  targets: { p50RatioAt1?: number; throughputRatioAt64: number };
  /** Each measured segment's length (5 s). */
  segmentMs?: number;
  /** Warm-up requests per side at 1 and at 64 callers (1,000 and 5,000). */
  warmup?: { at1: number; at64: number };
}

/**
 * Warms both sides up, measures them in alternating segments (5 s unless said) at 1 and 64 callers, and prints
 * p50, p99, throughput and the ratios against the targets. A report, never a test: it exits 0.
 */
export async function compareSides({
  title,
  requests,
  targets,
  segmentMs = SEGMENT_MS,
  warmup = { at1: 1_000, at64: 5_000 },
}: Comparison): Promise<void> {
  for (const side of ['baseline', 'hearth'] as const) {
    await measure(requests[side], { concurrency: 64, requests: warmup.at64 });
    await measure(requests[side], { concurrency: 1, requests: warmup.at1 });
  }

  const runs = new Map<string, Measurement[]>();
  console.log(`\nmeasuring ${SEGMENTS.length} segments of ${segmentMs / 1000} s`);
  for (const [side, concurrency] of SEGMENTS) {
    await measure(requests[side], { concurrency, requests: 50 * concurrency });
    const run = await measure(requests[side], { concurrency, durationMs: segmentMs });
    const key = `${side}@${concurrency}`;
    runs.set(key, [...(runs.get(key) ?? []), run]);
    const s = summarize([run]);
    console.log(
      `  ${side.padEnd(8)} c=${String(concurrency).padEnd(2)}  p50 ${fixed(s.p50Ms, 3).padStart(6)} ms` +
        `  p99 ${fixed(s.p99Ms, 3).padStart(6)} ms  ${whole(s.perSecond).padStart(5)} req/s`,
    );
  }

  const summary = (side: Side, concurrency: number) => summarize(runs.get(`${side}@${concurrency}`) ?? []);
  console.log(`\n${title} (both rounds together)`);
  printTable(
    ['side', 'callers', 'requests', 'p50 ms', 'p99 ms', 'req/s'],
    [1, 64].flatMap((concurrency) =>
      (['baseline', 'hearth'] as const).map((side) => {
        const s = summary(side, concurrency);
        return [side, String(concurrency), whole(s.requests), fixed(s.p50Ms, 3), fixed(s.p99Ms, 3), whole(s.perSecond)];
      }),
    ),
  );

  const p50Ratio = summary('hearth', 1).p50Ms / summary('baseline', 1).p50Ms;
  const throughputRatio = summary('hearth', 64).perSecond / summary('baseline', 64).perSecond;
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
  console.log('\ntargets (hearth / baseline)');
  printTable(
    ['measure', 'ratio', 'target', 'verdict'],
    [
      targets.p50RatioAt1 === undefined
        ? ['p50 at 1 caller', fixed(p50Ratio, 2), '-', '-']
        : ['p50 at 1 caller', fixed(p50Ratio, 2), `≤ ${targets.p50RatioAt1}`, verdict(p50Ratio <= targets.p50RatioAt1)],
      [
        'throughput at 64 callers',
        fixed(throughputRatio, 2),
        `≥ ${targets.throughputRatioAt64}`,
        verdict(throughputRatio >= targets.throughputRatioAt64),
      ],
    ],
  );
}

/** Runs `steps` in reverse at the end, also on Ctrl-C, so a benchmark leaves no process or database behind. */
export async function withCleanup(work: (cleanup: Array<() => Promise<unknown>>) => Promise<void>): Promise<void> {
  const cleanup: Array<() => Promise<unknown>> = [];
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const step of cleanup.reverse()) {
        await step().catch((error: unknown) => console.error('cleanup step failed:', error));
      }
    })());
  const interrupted = () => void cleanUp().then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    await work(cleanup);
  } finally {
    process.off('SIGINT', interrupted);
    await cleanUp();
  }
}
