import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { poolOf } from '@hearth/platform/postgres';
import type { Provider, SecretMetadata, SecretVersionInfo } from '@hearth/contracts';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { SealedVersion } from '../crypto/envelope.js';

export interface StoredVersion {
  version: number;
  deleted: boolean;
  destroyed: boolean;
  expiresAt: Date | null;
  sealed: SealedVersion | null;
}

interface VersionRow {
  version: number;
  deleted: boolean;
  destroyed: boolean;
  expires_at: Date | null;
  format: string;
  nonce: Buffer | null;
  ciphertext: Buffer | null;
  kek_id: string | null;
  wrapped_dek: Buffer | null;
  dek_nonce: Buffer | null;
}

interface SecretRow {
  path: string;
  current_version: number;
  provider: Provider;
  tags: Record<string, string>;
  description: string | null;
  expires_at: Date | null;
  value_names: string[];
  updated_at: Date;
}

/** Secrets, their versions and their ciphertext in the vault's own database. */
export class SecretStore {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  /** The read hot path: one prepared statement for the version (current when none is named). */
  async findVersion(path: string, version: number | undefined): Promise<StoredVersion | null> {
    const { rows } = await this.pool.query<VersionRow>({
      name: 'secret_version_for_read',
      text: `SELECT v.version, v.deleted, v.destroyed, s.expires_at, v.format, v.nonce, v.ciphertext,
                    v.kek_id, v.wrapped_dek, v.dek_nonce
             FROM secrets s JOIN secret_versions v ON v.path = s.path AND v.version = COALESCE($2, s.current_version)
             WHERE s.path = $1`,
      values: [path, version ?? null],
    });
    const row = rows[0];
    if (!row) return null;
    const sealed =
      row.nonce && row.ciphertext && row.kek_id && row.wrapped_dek && row.dek_nonce
        ? {
            format: row.format,
            nonce: row.nonce,
            ciphertext: row.ciphertext,
            kekId: row.kek_id,
            wrappedDek: row.wrapped_dek,
            dekNonce: row.dek_nonce,
          }
        : null;
    return { version: row.version, deleted: row.deleted, destroyed: row.destroyed, expiresAt: row.expires_at, sealed };
  }

  async insertVersion(
    tx: Transaction,
    path: string,
    version: number,
    sealed: SealedVersion,
    created: { at: string; by: string },
  ): Promise<void> {
    await managerOf(tx).query(
      `INSERT INTO secret_versions (path, version, created_at, created_by, format, nonce, ciphertext, kek_id, wrapped_dek, dek_nonce)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        path,
        version,
        created.at,
        created.by,
        sealed.format,
        Buffer.from(sealed.nonce),
        Buffer.from(sealed.ciphertext),
        sealed.kekId,
        Buffer.from(sealed.wrappedDek),
        Buffer.from(sealed.dekNonce),
      ],
    );
  }

  async upsertSecret(
    tx: Transaction,
    secret: Omit<SecretMetadata, 'updated_at'> & { updated_at: string },
  ): Promise<void> {
    await managerOf(tx).query(
      `INSERT INTO secrets (path, current_version, provider, tags, description, expires_at, value_names, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (path) DO UPDATE SET current_version = EXCLUDED.current_version, provider = EXCLUDED.provider,
         tags = EXCLUDED.tags, description = EXCLUDED.description, expires_at = EXCLUDED.expires_at,
         value_names = EXCLUDED.value_names, updated_at = EXCLUDED.updated_at`,
      [
        secret.path,
        secret.current_version,
        secret.provider,
        JSON.stringify(secret.tags),
        secret.description,
        secret.expires_at,
        secret.value_names,
        secret.updated_at,
      ],
    );
  }

  async setDeleted(tx: Transaction, path: string, versions: number[], deleted: boolean): Promise<void> {
    await managerOf(tx).query('UPDATE secret_versions SET deleted = $3 WHERE path = $1 AND version = ANY($2::int[])', [
      path,
      versions,
      deleted,
    ]);
  }

  /** Crypto-shredding: the wrapped key and the ciphertext go; the row stays as a tombstone. */
  async destroy(tx: Transaction, path: string, versions: number[]): Promise<void> {
    await managerOf(tx).query(
      `UPDATE secret_versions SET destroyed = true, nonce = NULL, ciphertext = NULL, kek_id = NULL,
         wrapped_dek = NULL, dek_nonce = NULL
       WHERE path = $1 AND version = ANY($2::int[])`,
      [path, versions],
    );
  }

  async list(prefix: string): Promise<SecretMetadata[]> {
    const { rows } = await this.pool.query<SecretRow>(
      `SELECT path, current_version, provider, tags, description, expires_at, value_names, updated_at
       FROM secrets WHERE starts_with(path, $1) ORDER BY path LIMIT 1000`,
      [prefix],
    );
    return rows.map((r) => ({
      path: r.path,
      current_version: r.current_version,
      provider: r.provider,
      tags: r.tags,
      description: r.description,
      expires_at: r.expires_at?.toISOString() ?? null,
      value_names: r.value_names,
      updated_at: r.updated_at.toISOString(),
    }));
  }

  async versions(path: string): Promise<SecretVersionInfo[]> {
    const { rows } = await this.pool.query<{
      version: number;
      created_at: Date;
      created_by: string;
      deleted: boolean;
      destroyed: boolean;
    }>(
      'SELECT version, created_at, created_by, deleted, destroyed FROM secret_versions WHERE path = $1 ORDER BY version',
      [path],
    );
    return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
  }

  /**
   * Versions whose key is wrapped by another KEK than `activeKek`, for the resumable rewrap: those
   * another transaction holds locked are passed over (SKIP LOCKED), so fewer than `limit` does not
   * mean none are left — `countStaleKeys` says that.
   */
  async lockStaleKeys(
    tx: Transaction,
    activeKek: string,
    limit: number,
  ): Promise<Array<{ path: string; version: number; sealed: SealedVersion }>> {
    const rows = await managerOf(tx).query<Array<VersionRow & { path: string }>>(
      `SELECT path, version, format, nonce, ciphertext, kek_id, wrapped_dek, dek_nonce, deleted, destroyed, NULL AS expires_at
       FROM secret_versions WHERE kek_id IS NOT NULL AND kek_id <> $1 AND NOT destroyed
       ORDER BY path, version LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [activeKek, limit],
    );
    return rows.map((r) => ({
      path: r.path,
      version: r.version,
      sealed: {
        format: r.format,
        nonce: r.nonce!,
        ciphertext: r.ciphertext!,
        kekId: r.kek_id!,
        wrappedDek: r.wrapped_dek!,
        dekNonce: r.dek_nonce!,
      },
    }));
  }

  /** How many versions still have their key wrapped by another KEK than `activeKek`, locked or not. */
  async countStaleKeys(activeKek: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM secret_versions WHERE kek_id IS NOT NULL AND kek_id <> $1 AND NOT destroyed',
      [activeKek],
    );
    return rows[0]!.n;
  }

  async replaceKey(
    tx: Transaction,
    path: string,
    version: number,
    key: Pick<SealedVersion, 'kekId' | 'wrappedDek' | 'dekNonce'>,
  ): Promise<void> {
    await managerOf(tx).query(
      'UPDATE secret_versions SET kek_id = $3, wrapped_dek = $4, dek_nonce = $5 WHERE path = $1 AND version = $2',
      [path, version, key.kekId, Buffer.from(key.wrappedDek), Buffer.from(key.dekNonce)],
    );
  }
}
