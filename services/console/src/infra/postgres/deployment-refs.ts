import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { poolOf } from '@hearth/platform/postgres';
import type { DeploymentRef, DeploymentListQuery, DeploymentList, Status, Tier, DriverName } from '@hearth/contracts';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

interface RefRow {
  workspace_slug: string;
  tier: Tier;
  driver: DriverName;
  endpoint: string;
  secrets_vault_path: string;
  created: Date;
  last_status: Status;
}

const COLUMNS = 'workspace_slug, tier, driver, endpoint, secrets_vault_path, created, last_status';

function toRef(row: RefRow): DeploymentRef {
  return {
    workspace_slug: row.workspace_slug,
    tier: row.tier,
    driver: row.driver,
    endpoint: row.endpoint,
    secrets_vault_path: row.secrets_vault_path,
    created: row.created.toISOString(),
    last_status: row.last_status,
  };
}

/** The `deployment_refs` projection: written inline with the events, read by discovery. */
export class DeploymentRefs {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async upsert(tx: Transaction, ref: DeploymentRef, streamVersion: number): Promise<void> {
    await managerOf(tx).query(
      `INSERT INTO deployment_refs (${COLUMNS}, stream_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (workspace_slug) DO UPDATE SET
         tier = EXCLUDED.tier, driver = EXCLUDED.driver, endpoint = EXCLUDED.endpoint,
         secrets_vault_path = EXCLUDED.secrets_vault_path, created = EXCLUDED.created,
         last_status = EXCLUDED.last_status, stream_version = EXCLUDED.stream_version`,
      [
        ref.workspace_slug,
        ref.tier,
        ref.driver,
        ref.endpoint,
        ref.secrets_vault_path,
        ref.created,
        ref.last_status,
        streamVersion,
      ],
    );
  }

  /** The discovery hot path: one named prepared statement on the pool, no ORM in between. */
  async get(slug: string): Promise<DeploymentRef | null> {
    const { rows } = await this.pool.query<RefRow>({
      name: 'deployment_ref_by_slug',
      text: `SELECT ${COLUMNS} FROM deployment_refs WHERE workspace_slug = $1`,
      values: [slug],
    });
    return rows[0] ? toRef(rows[0]) : null;
  }

  /** Paged by slug (keyset): `cursor` is the last slug of the previous page. */
  async list(query: DeploymentListQuery): Promise<DeploymentList> {
    const { rows } = await this.pool.query<RefRow>(
      `SELECT ${COLUMNS} FROM deployment_refs
       WHERE ($1::text IS NULL OR last_status = $1) AND ($2::text IS NULL OR workspace_slug > $2)
       ORDER BY workspace_slug LIMIT $3`,
      [query.status ?? null, query.cursor ?? null, query.limit + 1],
    );
    const page = rows.slice(0, query.limit).map(toRef);
    const more = rows.length > query.limit;
    return { items: page, next_cursor: more ? (page.at(-1)?.workspace_slug ?? null) : null };
  }

  async clear(tx: Transaction): Promise<void> {
    await managerOf(tx).query('DELETE FROM deployment_refs');
  }
}
