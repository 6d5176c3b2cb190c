/** What a read's nonce is kept under: each principal's nonces are its own. */
export interface NonceKey {
  readonly principal: string;
  readonly nonce: string;
}

/**
 * The reads of one batch that go to its statement: the first of each (principal, nonce), so a nonce
 * twice in one batch is recorded once and the later read finds it kept (a replay, refused alone).
 * In key order, so that two batches in flight that hold the same nonces take their locks in the same
 * order and wait for each other instead of deadlocking.
 */
export function distinctByNonce<R extends NonceKey>(reads: readonly R[]): R[] {
  const first = new Map<string, R>();
  for (const read of reads) {
    const key = JSON.stringify([read.principal, read.nonce]);
    if (!first.has(key)) first.set(key, read);
  }
  return [...first.values()].sort((a, b) => compare(a.principal, b.principal) || compare(a.nonce, b.nonce));
}

/** By code unit, as the batch's locks need a fixed order, not a locale's. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
