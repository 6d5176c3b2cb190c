import type { UnitOfWork } from '@hearth/platform/ports';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cipher, StaleKeys } from '../ports.js';

export interface RewrapOptions {
  /** Versions moved per transaction. */
  batchSize?: number;
  /**
   * How long, in all, to wait for versions a write or a destroy holds locked before reporting them as
   * remaining: a total, so a vault still sealing with the old KEK cannot keep the rewrap going for ever.
   */
  maxWaitMs?: number;
  /** The pause before trying the locked versions again. */
  pauseMs?: number;
  /** After every transaction that moved something, with the total moved so far. */
  onBatch?: (moved: number) => void;
}

export interface RewrapOutcome {
  moved: number;
  /** Keys (of versions not destroyed, and of pending values) still wrapped by another KEK than the active one: zero means done. */
  remaining: number;
}

/**
 * Moves every DEK — each version's, and each rotation's pending value's — under the active KEK, a batch per transaction, while reads go on (both KEKs are in
 * the ring); killed, it resumes where it stopped. SKIP LOCKED passes over rows a writer holds, so only
 * a count of what is left (or the wait running out) ends the run.
 */
export class Rewrap {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly staleKeys: StaleKeys,
    private readonly cipher: Pick<Cipher, 'rewrap'>,
    private readonly activeKek: string,
  ) {}

  async run({
    batchSize = 100,
    maxWaitMs = 60_000,
    pauseMs = 250,
    onBatch,
  }: RewrapOptions = {}): Promise<RewrapOutcome> {
    let moved = 0;
    let waited = 0;
    for (;;) {
      const batch = await this.unitOfWork.run(async (tx) => {
        const stale = await this.staleKeys.lock(tx, this.activeKek, batchSize);
        for (const key of stale) {
          await this.staleKeys.replace(
            tx,
            key,
            this.cipher.rewrap(key.sealed, { path: key.path, version: key.version }),
          );
        }
        return stale.length;
      });
      moved += batch;
      if (batch > 0) onBatch?.(moved);
      if (batch === batchSize) continue;
      const remaining = await this.staleKeys.count(this.activeKek);
      if (remaining === 0 || waited >= maxWaitMs) return { moved, remaining };
      await sleep(pauseMs);
      waited += pauseMs;
    }
  }
}
