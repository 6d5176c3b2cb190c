import { loadavg } from 'node:os';
import { cpuSpent, type CpuProbe } from './cpu.js';
import { measure, summarize, type Measurement } from './measure.js';
import { fixed, printTable, whole } from './report.js';

const SEGMENT_MS = 5_000;
const CALLERS = [1, 64] as const;

/** The two sides of a one-on-one comparison, for a benchmark that keeps its own per side. */
export type Side = 'baseline' | 'hearth';

/** One way of doing the request measured, and the processes whose CPU it is charged with. */
export interface Contender {
  name: string;
  request: () => Promise<unknown>;
  /** Read before and after each of its segments; reported as CPU µs per request, one column per label. */
  cpu?: CpuProbe[];
}

/** side / baseline: p50 at one caller at most, throughput at 64 callers at least. An absent one is reported without a verdict. */
export interface Targets {
  p50RatioAt1?: number;
  throughputRatioAt64?: number;
}

export interface Comparison {
  /** What one request does, for the summary's heading. */
  title: string;
  /** What every Hearth side is held against; named `baseline` in the report. */
  baseline: Omit<Contender, 'name'>;
  /** Hearth's ways of doing it, each with its own targets against the one baseline. */
  sides: Array<Contender & { targets: Targets }>;
  /** Each measured segment's length (5 s). */
  segmentMs?: number;
  /** Warm-up requests per side at 1 and at 64 callers (1,000 and 5,000). */
  warmup?: { at1: number; at64: number };
}

/**
 * The segments in measuring order: every side at 1 caller, then every side at 64, twice, the second
 * round with the sides in reverse order, so drift over the run (a table growing, the machine warming,
 * a neighbour's load) hits every side alike.
 */
function segmentsOf(sides: Contender[]): Array<{ side: Contender; callers: number }> {
  const round = (order: Contender[]) => CALLERS.flatMap((callers) => order.map((side) => ({ side, callers })));
  return [...round(sides), ...round([...sides].reverse())];
}

interface Tally {
  runs: Measurement[];
  /** CPU µs per probe label, over the runs. */
  cpu: Map<string, number>;
}

/**
 * Warms every side up, measures them in alternating segments (5 s unless said) at 1 and 64 callers,
 * and prints p50, p99, throughput and CPU per request of each, then each Hearth side's ratios to the
 * baseline against its targets. A report, never a test: it exits 0.
 */
export async function compareSides({
  title,
  baseline,
  sides: hearthSides,
  segmentMs = SEGMENT_MS,
  warmup = { at1: 1_000, at64: 5_000 },
}: Comparison): Promise<void> {
  const sides: Contender[] = [{ name: 'baseline', ...baseline }, ...hearthSides];
  for (const side of sides) {
    await measure(side.request, { concurrency: 64, requests: warmup.at64 });
    await measure(side.request, { concurrency: 1, requests: warmup.at1 });
  }

  const tallies = new Map<string, Tally>();
  const tallyOf = (side: Contender, callers: number): Tally => {
    const key = `${side.name}@${callers}`;
    let tally = tallies.get(key);
    if (!tally) tallies.set(key, (tally = { runs: [], cpu: new Map() }));
    return tally;
  };
  const segments = segmentsOf(sides);
  const width = Math.max(...sides.map((side) => side.name.length));
  console.log(`\nmeasuring ${segments.length} segments of ${segmentMs / 1000} s`);
  for (const { side, callers } of segments) {
    await measure(side.request, { concurrency: callers, requests: 50 * callers });
    const probes = side.cpu ?? [];
    const before = probes.map((probe) => probe.read());
    const run = await measure(side.request, { concurrency: callers, durationMs: segmentMs });
    const spent = probes.map((probe, i) => cpuSpent(before[i]!, probe.read()));
    const tally = tallyOf(side, callers);
    tally.runs.push(run);
    probes.forEach((probe, i) => tally.cpu.set(probe.label, (tally.cpu.get(probe.label) ?? 0) + spent[i]!));
    const s = summarize([run]);
    const cpu = probes.map((probe, i) => `${probe.label} ${whole(spent[i]! / s.requests)}`).join(', ');
    console.log(
      `  ${side.name.padEnd(width)} c=${String(callers).padEnd(2)}  p50 ${fixed(s.p50Ms, 3).padStart(6)} ms` +
        `  p99 ${fixed(s.p99Ms, 3).padStart(6)} ms  ${whole(s.perSecond).padStart(5)} req/s` +
        (cpu ? `  CPU µs/req: ${cpu}` : ''),
    );
  }

  const labels = [...new Set(sides.flatMap((side) => (side.cpu ?? []).map((probe) => probe.label)))];
  const summary = (side: Contender, callers: number) => summarize(tallyOf(side, callers).runs);
  console.log(`\n${title} (both rounds together; CPU in µs per request)`);
  printTable(
    ['side', 'callers', 'requests', 'p50 ms', 'p99 ms', 'req/s', ...labels.map((label) => `${label} µs`)],
    CALLERS.flatMap((callers) =>
      sides.map((side) => {
        const s = summary(side, callers);
        const cpu = tallyOf(side, callers).cpu;
        return [
          side.name,
          String(callers),
          whole(s.requests),
          fixed(s.p50Ms, 3),
          fixed(s.p99Ms, 3),
          whole(s.perSecond),
          ...labels.map((label) => (cpu.has(label) ? whole(cpu.get(label)! / s.requests) : '-')),
        ];
      }),
    ),
  );

  const base = { at1: summary(sides[0]!, 1), at64: summary(sides[0]!, 64) };
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
  const row = (side: string, measure: string, ratio: number, target: number | undefined, sign: '≤' | '≥') => [
    side,
    measure,
    fixed(ratio, 2),
    target === undefined ? '-' : `${sign} ${target}`,
    target === undefined ? '-' : verdict(sign === '≤' ? ratio <= target : ratio >= target),
  ];
  console.log(`\ntargets (side / baseline; load average ${fixed(loadavg()[0]!, 2)} at the end)`);
  printTable(
    ['side', 'measure', 'ratio', 'target', 'verdict'],
    hearthSides.flatMap((side) => [
      row(side.name, 'p50 at 1 caller', summary(side, 1).p50Ms / base.at1.p50Ms, side.targets.p50RatioAt1, '≤'),
      row(
        side.name,
        'throughput at 64 callers',
        summary(side, 64).perSecond / base.at64.perSecond,
        side.targets.throughputRatioAt64,
        '≥',
      ),
    ]),
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
