/** One load run: every request's latency, and how long the whole run took. */
export interface Measurement {
  latenciesNs: bigint[];
  elapsedNs: bigint;
}

export interface Load {
  /** Requests kept in flight at once. */
  concurrency: number;
  /** Stop after this many requests… */
  requests?: number;
  /** …or once this much time has passed (whichever comes first when both are given). */
  durationMs?: number;
}

export interface Summary {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

/**
 * Keeps `concurrency` calls of `request` in flight until the count or the duration is used up, timing
 * each call with the monotonic clock. A failed request fails the run: a benchmark that counts errors
 * as fast answers measures nothing.
 */
export async function measure(request: () => Promise<unknown>, load: Load): Promise<Measurement> {
  if (load.requests === undefined && load.durationMs === undefined)
    throw new Error('a load needs requests or a duration');
  const latenciesNs: bigint[] = [];
  const start = process.hrtime.bigint();
  const deadline = load.durationMs === undefined ? null : start + BigInt(load.durationMs) * 1_000_000n;
  let issued = 0;
  let failed = false;
  const more = () =>
    !failed &&
    (load.requests === undefined || issued < load.requests) &&
    (deadline === null || process.hrtime.bigint() < deadline);

  const caller = async () => {
    while (more()) {
      issued++;
      const sent = process.hrtime.bigint();
      try {
        await request();
      } catch (error) {
        failed = true;
        throw error;
      }
      latenciesNs.push(process.hrtime.bigint() - sent);
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, caller));
  return { latenciesNs, elapsedNs: process.hrtime.bigint() - start };
}

/** Percentiles over every latency of the runs, throughput over their summed wall time. */
export function summarize(runs: Measurement[]): Summary {
  const sorted = runs.flatMap((run) => run.latenciesNs.map(Number)).sort((a, b) => a - b);
  const elapsedNs = runs.reduce((sum, run) => sum + run.elapsedNs, 0n);
  return {
    requests: sorted.length,
    p50Ms: percentile(sorted, 0.5) / 1e6,
    p99Ms: percentile(sorted, 0.99) / 1e6,
    perSecond: sorted.length / (Number(elapsedNs) / 1e9),
  };
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
