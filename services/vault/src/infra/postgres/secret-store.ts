import { DEFAULT_ENVIRONMENT, GENERIC_TYPE, type SecretMetadata, type SecretVersionInfo } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { managerOf, type FastPath, type PreparedStatement } from '@hearth/platform/postgres';
import { In, LessThanOrEqual, Raw, type DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type {
  SealedVersion,
  SecretCatalog,
  SecretFilter,
  SecretRecords,
  SecretVersions,
  StoredVersion,
  VersionRef,
} from '../../app/ports.js';
import type { SecretEvent } from '../../domain/secret/secret.js';
import { SecretRecord, SecretVersionRecord } from './entities.js';

type SealedColumns = Pick<SecretVersionRecord, 'format' | 'nonce' | 'ciphertext' | 'kekId' | 'wrappedDek' | 'dekNonce'>;
type ReadRow = Pick<SecretVersionRecord, 'version' | 'deleted' | 'destroyed'> &
  Pick<SecretRecord, 'expiresAt' | 'provider' | 'active'> &
  SealedColumns;

/** The read's hot statement: prepared once per connection (measured: bench vault-read). */
const versionForRead: PreparedStatement = {
  name: 'secret_version_for_read',
  text: `SELECT v.version, v.deleted, v.destroyed, s.provider, s.expires_at AS "expiresAt", s.active, v.format, v.nonce, v.ciphertext,
                v.kek_id AS "kekId", v.wrapped_dek AS "wrappedDek", v.dek_nonce AS "dekNonce"
         FROM secrets s JOIN secret_versions v ON v.path = s.path AND v.version = COALESCE($2, s.current_version)
         WHERE s.path = $1`,
};

/** The sealed value of a version, or null once destroyed. */
export function sealedOf(row: SealedColumns): SealedVersion | null {
  const { format, nonce, ciphertext, kekId, wrappedDek, dekNonce } = row;
  return nonce && ciphertext && kekId && wrappedDek && dekNonce
    ? { format, nonce, ciphertext, kekId, wrappedDek, dekNonce }
    : null;
}

/** secrets.pending_value as keepPending wrote it (the sealed parts in base64), as a sealed value. */
export function pendingSealed(value: Record<string, string> | null): SealedVersion | null {
  if (!value) return null;
  const bytes = (key: string) => Buffer.from(value[key] ?? '', 'base64');
  return {
    format: value.format ?? '',
    kekId: value.kek_id ?? '',
    wrappedDek: bytes('wrapped_dek'),
    dekNonce: bytes('dek_nonce'),
    nonce: bytes('nonce'),
    ciphertext: bytes('ciphertext'),
  };
}

function metadataOf(r: SecretRecord): SecretMetadata {
  return {
    path: r.path,
    current_version: r.currentVersion,
    provider: r.provider,
    tags: r.tags,
    description: r.description,
    expires_at: r.expiresAt?.toISOString() ?? null,
    value_names: r.valueNames,
    updated_at: r.updatedAt.toISOString(),
    type: r.type,
    type_version: r.typeVersion,
    environment: r.environment,
    active: r.active,
    fields: r.fields,
    last_tested: r.lastTested?.toISOString() ?? null,
    test_status: r.testStatus,
    test_message: r.testMessage,
    rotation_days: r.rotationDays,
    next_rotation_at: r.nextRotationAt?.toISOString() ?? null,
    pending_version: r.pendingVersion,
    last_rotated_at: r.lastRotatedAt?.toISOString() ?? null,
  };
}

/** Secrets, their versions and their ciphertext in the vault's own database. */
export class SecretStore implements SecretVersions, SecretCatalog, SecretRecords {
  constructor(
    private readonly dataSource: DataSource,
    private readonly fastPath: FastPath,
  ) {}

  async findForRead(path: string, version: number | undefined): Promise<StoredVersion | null> {
    const [row] = await this.fastPath.query<ReadRow>(versionForRead, [path, version ?? null]);
    return row
      ? {
          version: row.version,
          provider: row.provider,
          deleted: row.deleted,
          destroyed: row.destroyed,
          expiresAt: row.expiresAt,
          active: row.active,
          sealed: sealedOf(row),
        }
      : null;
  }

  async list(prefix: string, filter: SecretFilter = {}): Promise<SecretMetadata[]> {
    const where: FindOptionsWhere<SecretRecord> = {
      path: Raw((path) => `starts_with(${path}, :prefix)`, { prefix }),
      ...(filter.type !== undefined ? { type: filter.type } : {}),
      ...(filter.environment !== undefined ? { environment: filter.environment } : {}),
      ...(filter.active !== undefined ? { active: filter.active } : {}),
      ...(filter.expiringBy !== undefined ? { expiresAt: LessThanOrEqual(filter.expiringBy) } : {}),
    };
    const rows = await this.dataSource.getRepository(SecretRecord).find({ where, order: { path: 'ASC' }, take: 1000 });
    return rows.map(metadataOf);
  }

  async find(path: string, tx?: Transaction): Promise<SecretMetadata | null> {
    const row = await this.managerFor(tx).findOne(SecretRecord, { where: { path } });
    return row ? metadataOf(row) : null;
  }

  async versions(path: string, tx?: Transaction): Promise<SecretVersionInfo[]> {
    const rows = await this.managerFor(tx).find(SecretVersionRecord, {
      select: { version: true, createdAt: true, createdBy: true, deleted: true, destroyed: true },
      where: { path },
      order: { version: 'ASC' },
    });
    return rows.map((r) => ({
      version: r.version,
      created_at: r.createdAt.toISOString(),
      created_by: r.createdBy,
      deleted: r.deleted,
      destroyed: r.destroyed,
    }));
  }

  private managerFor(tx: Transaction | undefined): EntityManager {
    return tx ? managerOf(tx) : this.dataSource.manager;
  }

  async insertVersion(
    tx: Transaction,
    { path, version }: VersionRef,
    sealed: SealedVersion,
    created: { at: string; by: string },
  ): Promise<void> {
    await managerOf(tx).insert(SecretVersionRecord, {
      path,
      version,
      createdAt: new Date(created.at),
      createdBy: created.by,
      format: sealed.format,
      nonce: Buffer.from(sealed.nonce),
      ciphertext: Buffer.from(sealed.ciphertext),
      kekId: sealed.kekId,
      wrappedDek: Buffer.from(sealed.wrappedDek),
      dekNonce: Buffer.from(sealed.dekNonce),
    });
  }

  async keepPending(tx: Transaction, { path, version }: VersionRef, sealed: SealedVersion): Promise<void> {
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const pendingValue = {
      format: sealed.format,
      kek_id: sealed.kekId,
      wrapped_dek: b64(sealed.wrappedDek),
      dek_nonce: b64(sealed.dekNonce),
      nonce: b64(sealed.nonce),
      ciphertext: b64(sealed.ciphertext),
    };
    await managerOf(tx).update(SecretRecord, { path }, { pendingVersion: version, pendingValue });
  }

  async project(tx: Transaction, events: readonly SecretEvent[]): Promise<void> {
    const manager = managerOf(tx);
    const versionsOf = (data: { path: string; versions: number[] }) => ({
      path: data.path,
      version: In(data.versions),
    });
    for (const event of events) {
      switch (event.type) {
        case 'SecretVersionWrittenV1': {
          const { data } = event;
          await manager.upsert(
            SecretRecord,
            {
              path: data.path,
              currentVersion: data.version,
              provider: data.provider,
              tags: data.tags,
              description: data.description,
              expiresAt: data.expires_at === null ? null : new Date(data.expires_at),
              valueNames: data.value_names,
              updatedAt: new Date(data.created_at),
              type: data.type ?? GENERIC_TYPE,
              typeVersion: data.type_version ?? null,
              environment: data.environment ?? DEFAULT_ENVIRONMENT,
              fields: data.fields ?? {},
            },
            ['path'],
          );
          if (data.rotated_from !== undefined) {
            await manager.query(
              `UPDATE secrets SET last_rotated_at = $2,
                      next_rotation_at = CASE WHEN rotation_days IS NULL THEN NULL ELSE $2::timestamptz + rotation_days * interval '1 day' END
               WHERE path = $1`,
              [data.path, data.created_at],
            );
          }
          break;
        }
        case 'SecretVersionsDeletedV1':
        case 'SecretVersionsUndeletedV1':
          await manager.update(SecretVersionRecord, versionsOf(event.data), {
            deleted: event.type === 'SecretVersionsDeletedV1',
          });
          break;
        case 'SecretVersionsDestroyedV1':
          // Crypto-shredding: the wrapped key and the ciphertext go; the row stays as a tombstone.
          await manager.update(SecretVersionRecord, versionsOf(event.data), {
            destroyed: true,
            nonce: null,
            ciphertext: null,
            kekId: null,
            wrappedDek: null,
            dekNonce: null,
          });
          break;
        case 'CredentialDeactivatedV1':
        case 'CredentialActivatedV1':
          await manager.update(
            SecretRecord,
            { path: event.data.path },
            { active: event.type === 'CredentialActivatedV1' },
          );
          break;
        case 'CredentialTestedV1':
          await manager.update(
            SecretRecord,
            { path: event.data.path },
            {
              lastTested: new Date(event.data.tested_at),
              testStatus: event.data.outcome,
              testMessage: event.data.message,
            },
          );
          break;
        case 'CredentialScheduleSetV1':
          await manager.update(
            SecretRecord,
            { path: event.data.path },
            {
              rotationDays: event.data.every_days,
              nextRotationAt: event.data.next_rotation_at === null ? null : new Date(event.data.next_rotation_at),
            },
          );
          break;
        case 'CredentialRotatedV1':
          // `requested`: the use case keeps the pending value (SecretRecords.keepPending) in this transaction.
          if (event.data.step === 'promoted' || event.data.step === 'abandoned') {
            await manager.update(SecretRecord, { path: event.data.path }, { pendingVersion: null, pendingValue: null });
          }
          break;
        default: {
          const unknown: never = event;
          return unknown;
        }
      }
    }
  }
}
