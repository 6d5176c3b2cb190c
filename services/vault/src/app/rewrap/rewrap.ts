import type { DataSource } from 'typeorm';
import type { Envelope, KeyRing } from '../../infra/crypto/envelope.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';

/**
 * Moves every DEK under the active KEK, a batch per transaction with the rows locked SKIP LOCKED:
 * killed at any point it resumes where it stopped, and reads go on meanwhile (a row is either
 * wrapped by the old KEK or by the new one, both in the ring).
 */
export class Rewrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: Pick<SecretStore, 'lockStaleKeys' | 'replaceKey'>,
    private readonly envelope: Pick<Envelope, 'rewrap'>,
    private readonly ring: Pick<KeyRing, 'activeId'>,
  ) {}

  async run(batchSize = 100, onBatch?: (moved: number) => void): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await this.dataSource.transaction(async (tx) => {
        const stale = await this.secrets.lockStaleKeys(tx, this.ring.activeId, batchSize);
        for (const row of stale) {
          const key = this.envelope.rewrap(row.sealed, { path: row.path, version: row.version });
          await this.secrets.replaceKey(tx, row.path, row.version, key);
        }
        return stale.length;
      });
      total += moved;
      onBatch?.(total);
      if (moved < batchSize) return total;
    }
  }
}
