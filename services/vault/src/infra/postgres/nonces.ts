import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { ErrorCode, HearthError } from '@hearth/contracts';
import { isUniqueViolation, poolOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';

/**
 * Request nonces seen inside the freshness window. A nonce is remembered in the transaction that
 * records the request, so a replay can never slip between the check and the commit.
 */
export class Nonces {
  constructor(private readonly dataSource: DataSource) {}

  async remember(tx: Transaction, nonce: string): Promise<void> {
    try {
      await managerOf(tx).query('INSERT INTO seen_nonces (nonce) VALUES ($1)', [nonce]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new HearthError(ErrorCode.ReplayedNonce, 'this request was seen before');
      throw error;
    }
  }

  /** Remembers the nonce of a refused request; false when it was seen before (the request is a replay). */
  async burn(tx: Transaction, nonce: string): Promise<boolean> {
    const rows = await managerOf(tx).query<unknown[]>(
      'INSERT INTO seen_nonces (nonce) VALUES ($1) ON CONFLICT DO NOTHING RETURNING 1',
      [nonce],
    );
    return rows.length > 0;
  }

  /** Forgets nonces older than the window: a request that old is refused as stale anyway. */
  async sweep(olderThanSeconds: number): Promise<number> {
    const result = await poolOf(this.dataSource).query(
      'DELETE FROM seen_nonces WHERE seen_at < now() - make_interval(secs => $1)',
      [olderThanSeconds],
    );
    return result.rowCount ?? 0;
  }
}
