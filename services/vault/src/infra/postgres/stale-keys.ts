import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';
import type { StaleKey, StaleKeys, WrappedKey } from '../../app/ports.js';
import { SecretRecord, SecretVersionRecord } from './entities.js';
import { pendingSealed, sealedOf } from './secret-store.js';

/** Versions still wrapped by another KEK than the active one: destroyed versions have no key left to move. */
const underAnotherKek = (alias: string) =>
  `${alias}.kek_id IS NOT NULL AND ${alias}.kek_id <> :activeKek AND NOT ${alias}.destroyed`;

/** Pending rotation values (secrets.pending_value, sealed parts in base64) wrapped by another KEK. */
const pendingUnderAnotherKek = (alias: string) =>
  `${alias}.pending_value IS NOT NULL AND ${alias}.pending_value->>'kek_id' <> :activeKek`;

/** The rewrap's view of secret_versions, and of the pending values of rotations in flight. */
export class StaleKeyStore implements StaleKeys {
  constructor(private readonly dataSource: DataSource) {}

  async lock(tx: Transaction, activeKek: string, limit: number): Promise<StaleKey[]> {
    const manager = managerOf(tx);
    const rows = await manager
      .createQueryBuilder(SecretVersionRecord, 'v')
      .where(underAnotherKek('v'), { activeKek })
      .orderBy('v.path')
      .addOrderBy('v.version')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
    // Only rows with a key are selected, so each has its sealed value.
    const versions = rows.map((row) => ({
      path: row.path,
      version: row.version,
      sealed: sealedOf(row)!,
      pending: false,
    }));
    if (versions.length === limit) return versions;
    const pending = await manager
      .createQueryBuilder(SecretRecord, 's')
      .select(['s.path', 's.pendingVersion', 's.pendingValue'])
      .where(pendingUnderAnotherKek('s'), { activeKek })
      .orderBy('s.path')
      .limit(limit - versions.length)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
    return [
      ...versions,
      ...pending.map((row) => ({
        path: row.path,
        version: row.pendingVersion!,
        sealed: pendingSealed(row.pendingValue)!,
        pending: true,
      })),
    ];
  }

  async replace(tx: Transaction, { path, version, pending }: StaleKey, key: WrappedKey): Promise<void> {
    const manager = managerOf(tx);
    if (!pending) {
      await manager.update(
        SecretVersionRecord,
        { path, version },
        { kekId: key.kekId, wrappedDek: Buffer.from(key.wrappedDek), dekNonce: Buffer.from(key.dekNonce) },
      );
      return;
    }
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    await manager.query(
      `UPDATE secrets SET pending_value = pending_value || jsonb_build_object('kek_id', $3::text, 'wrapped_dek', $4::text, 'dek_nonce', $5::text)
       WHERE path = $1 AND pending_version = $2`,
      [path, version, key.kekId, b64(key.wrappedDek), b64(key.dekNonce)],
    );
  }

  async count(activeKek: string): Promise<number> {
    const versions = await this.dataSource
      .createQueryBuilder(SecretVersionRecord, 'v')
      .where(underAnotherKek('v'), { activeKek })
      .getCount();
    const pending = await this.dataSource
      .createQueryBuilder(SecretRecord, 's')
      .where(pendingUnderAnotherKek('s'), { activeKek })
      .getCount();
    return versions + pending;
  }
}
