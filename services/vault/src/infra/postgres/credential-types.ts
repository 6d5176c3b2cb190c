import { CredentialTypeDefinition, type CredentialTypeInfo, type ParsedCredentialType } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';
import type { CredentialTypeStore } from '../../app/ports.js';
import { typeInfoOf } from '../../app/credentials/type-catalog.js';
import { CredentialTypeRecord } from './entities.js';

/** The latest version of each custom type (one row per name). */
const LATEST = `SELECT DISTINCT ON (name) name, version, definition FROM credential_types ORDER BY name, version DESC`;

interface LatestRow {
  name: string;
  version: number;
  definition: unknown;
}

/**
 * Custom credential types in the vault's database, every version kept: a credential records the
 * version its value was checked against. A stored definition is parsed again on the way out, so a
 * row that no longer parses stops the write instead of checking values against something unchecked.
 */
export class PostgresCredentialTypes implements CredentialTypeStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(name: string): Promise<{ type: ParsedCredentialType; version: number } | null> {
    const row = await this.dataSource
      .getRepository(CredentialTypeRecord)
      .findOne({ where: { name }, order: { version: 'DESC' } });
    return row ? { type: CredentialTypeDefinition.parse(row.definition), version: row.version } : null;
  }

  async list(): Promise<CredentialTypeInfo[]> {
    const rows: LatestRow[] = await this.dataSource.query(LATEST);
    return rows.map((row) => typeInfoOf(CredentialTypeDefinition.parse(row.definition), false, row.version));
  }

  async define(tx: Transaction, type: ParsedCredentialType, created: { at: string; by: string }): Promise<number> {
    const manager = managerOf(tx);
    // Two definitions of one name at once: the later waits, then takes the next version.
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`credential-type:${type.name}`]);
    const rows = await manager.query<Array<{ latest: number | null }>>(
      'SELECT max(version) AS latest FROM credential_types WHERE name = $1',
      [type.name],
    );
    const version = (rows[0]?.latest ?? 0) + 1;
    const record: CredentialTypeRecord = {
      name: type.name,
      version,
      definition: type,
      createdBy: created.by,
      createdAt: new Date(created.at),
    };
    await manager.insert(CredentialTypeRecord, record);
    return version;
  }
}
