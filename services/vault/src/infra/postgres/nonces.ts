import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';
import type { Nonces } from '../../app/ports.js';
import { SeenNonceRecord } from './entities.js';

/**
 * Request nonces seen inside the freshness window. A nonce is kept in the transaction that records the
 * request, so a replay can never slip between the check and the commit: a concurrent keeper of the
 * same nonce waits for the first to commit or roll back.
 */
export class NonceStore implements Nonces {
  constructor(private readonly dataSource: DataSource) {}

  async remember(tx: Transaction, principal: string, nonce: string): Promise<boolean> {
    const inserted = await managerOf(tx)
      .createQueryBuilder()
      .insert()
      .into(SeenNonceRecord)
      .values({ principal, nonce })
      .orIgnore()
      .updateEntity(false)
      .returning('nonce')
      .execute();
    return (inserted.raw as unknown[]).length > 0;
  }

  async sweep(olderThanSeconds: number): Promise<number> {
    const { affected } = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(SeenNonceRecord)
      .where('seen_at < now() - make_interval(secs => :seconds)', { seconds: olderThanSeconds })
      .execute();
    return affected ?? 0;
  }
}
