/**
 * When a failed revocation is tried again. Exponential with full jitter (AWS's "full jitter"): the
 * delay after `n` failures is uniform below min(cap, base·2^(n-1)), so a thousand leases failing
 * together (a database back after an outage, a bad root credential) spread their retries instead of
 * arriving as one wave. After `maxAttempts` failed attempts a lease is irrevocable: an operator's.
 */
export interface Backoff {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

/**
 * The delay before the attempt after `failures` failures (≥ 1), `random` in [0, 1) (Math.random's).
 * At least 1 ms, so a retry is never due at the very instant its failure was recorded.
 */
export function retryDelayMs(backoff: Backoff, failures: number, random: number): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(1, Math.floor(random * ceiling));
}

export function nextAttemptAt(backoff: Backoff, now: Date, failures: number, random: number): Date {
  return new Date(now.getTime() + retryDelayMs(backoff, failures, random));
}

/** Whether a lease that has failed `attempts` times is given up on. */
export function isIrrevocable(backoff: Backoff, attempts: number): boolean {
  return attempts >= backoff.maxAttempts;
}
