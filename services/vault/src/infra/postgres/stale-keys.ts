import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';
import type { SealedVersion, StaleKeys, VersionRef, WrappedKey } from '../../app/ports.js';
import { SecretVersionRecord } from './entities.js';
import { sealedOf } from './secret-store.js';

/** Versions still wrapped by another KEK than the active one: destroyed versions have no key left to move. */
const underAnotherKek = (alias: string) =>
  `${alias}.kek_id IS NOT NULL AND ${alias}.kek_id <> :activeKek AND NOT ${alias}.destroyed`;

/** The rewrap's view of secret_versions. */
export class StaleKeyStore implements StaleKeys {
  constructor(private readonly dataSource: DataSource) {}

  async lock(
    tx: Transaction,
    activeKek: string,
    limit: number,
  ): Promise<Array<VersionRef & { sealed: SealedVersion }>> {
    const rows = await managerOf(tx)
      .createQueryBuilder(SecretVersionRecord, 'v')
      .where(underAnotherKek('v'), { activeKek })
      .orderBy('v.path')
      .addOrderBy('v.version')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
    // Only rows with a key are selected, so each has its sealed value.
    return rows.map((row) => ({ path: row.path, version: row.version, sealed: sealedOf(row)! }));
  }

  async replace(tx: Transaction, { path, version }: VersionRef, key: WrappedKey): Promise<void> {
    await managerOf(tx).update(
      SecretVersionRecord,
      { path, version },
      { kekId: key.kekId, wrappedDek: Buffer.from(key.wrappedDek), dekNonce: Buffer.from(key.dekNonce) },
    );
  }

  count(activeKek: string): Promise<number> {
    return this.dataSource
      .createQueryBuilder(SecretVersionRecord, 'v')
      .where(underAnotherKek('v'), { activeKek })
      .getCount();
  }
}
