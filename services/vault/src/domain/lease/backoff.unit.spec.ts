import { describe, expect, it } from '@jest/globals';
import { isIrrevocable, nextAttemptAt, retryDelayMs, type Backoff } from './backoff.js';

const backoff: Backoff = { baseMs: 1_000, capMs: 60_000, maxAttempts: 12 };

describe('the revocation backoff', () => {
  it('doubles the ceiling with every failure, from the base', () => {
    const almostOne = 1 - Number.EPSILON;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(backoff, n, almostOne))).toEqual([999, 1_999, 3_999, 7_999]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(retryDelayMs(backoff, 7, 0.999_999)).toBe(59_999);
    expect(retryDelayMs(backoff, 1_000, 0.999_999)).toBe(59_999);
    expect(Number.isFinite(retryDelayMs(backoff, 5_000, 0.5))).toBe(true);
  });

  it('spreads retries over the whole window: full jitter, never zero', () => {
    expect(retryDelayMs(backoff, 4, 0.5)).toBe(4_000);
    expect(retryDelayMs(backoff, 4, 0.25)).toBe(2_000);
    expect(retryDelayMs(backoff, 4, 0)).toBe(1);
  });

  it('dates the next attempt from now', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(nextAttemptAt(backoff, now, 2, 0.5).toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('gives a lease up after maxAttempts failed attempts, not before', () => {
    expect(isIrrevocable(backoff, 11)).toBe(false);
    expect(isIrrevocable(backoff, 12)).toBe(true);
  });
});
