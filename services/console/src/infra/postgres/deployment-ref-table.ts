import type { DeploymentList, DeploymentListQuery, DeploymentRef } from '@hearth/contracts';
import { managerOf, type FastPath, type PreparedStatement } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { MoreThan, type DataSource, type FindOptionsWhere } from 'typeorm';
import type { DeploymentRefReader, DeploymentRefRebuild, EngineLoads } from '../../app/ports.js';
import { noteRefWritten } from './deployment-ref-cache.js';
import { DeploymentRefEntity } from './deployment-ref.entity.js';

type RefRow = Omit<DeploymentRefEntity, 'stream_version'>;

function refOf(row: RefRow): DeploymentRef {
  return {
    workspace_slug: row.workspace_slug,
    tier: row.tier,
    driver: row.driver,
    engine: row.engine,
    endpoint: row.endpoint,
    secrets_vault_path: row.secrets_vault_path,
    created: row.created.toISOString(),
    last_status: row.last_status,
  };
}

/** The `deployment_refs` projection: written inline with the events, read by discovery and operators. */
export class DeploymentRefTable implements DeploymentRefReader, DeploymentRefRebuild, EngineLoads {
  /** The discovery hot path, a named prepared statement on the fast path (bench: discovery). */
  private readonly bySlug: PreparedStatement;

  constructor(
    private readonly dataSource: DataSource,
    private readonly fastPath: FastPath,
  ) {
    const columns = dataSource
      .getMetadata(DeploymentRefEntity)
      .columns.map((column) => column.databaseName)
      .filter((name) => name !== 'stream_version');
    this.bySlug = {
      name: 'deployment_ref_by_slug',
      text: `SELECT ${columns.join(', ')} FROM deployment_refs WHERE workspace_slug = $1`,
    };
  }

  async get(slug: string): Promise<DeploymentRef | null> {
    const [row] = await this.fastPath.query<RefRow>(this.bySlug, [slug]);
    return row ? refOf(row) : null;
  }

  async list(query: DeploymentListQuery): Promise<DeploymentList> {
    const where: FindOptionsWhere<DeploymentRefEntity> = {
      ...(query.status ? { last_status: query.status } : {}),
      ...(query.cursor ? { workspace_slug: MoreThan(query.cursor) } : {}),
    };
    const rows = await this.dataSource
      .getRepository(DeploymentRefEntity)
      .find({ where, order: { workspace_slug: 'ASC' }, take: query.limit + 1 });
    const page = rows.slice(0, query.limit).map(refOf);
    const more = rows.length > query.limit;
    return { items: page, next_cursor: more ? (page.at(-1)?.workspace_slug ?? null) : null };
  }

  /** A transaction-scoped advisory lock serializes placements; discovery and other writes pass. */
  async holdAndCount(tx: Transaction): Promise<Map<string, number>> {
    const manager = managerOf(tx);
    await manager.query("SELECT pg_advisory_xact_lock(hashtextextended('console:placement', 0))");
    const rows = await manager.query<Array<{ engine: string; workspaces: number }>>(
      `SELECT engine, count(*)::int AS workspaces FROM deployment_refs
        WHERE last_status <> 'deprovisioned' GROUP BY engine`,
    );
    return new Map(rows.map((row) => [row.engine, row.workspaces]));
  }

  async put(tx: Transaction, ref: DeploymentRef, streamVersion: number): Promise<void> {
    const row: DeploymentRefEntity = { ...ref, created: new Date(ref.created), stream_version: streamVersion };
    const manager = managerOf(tx);
    await manager.upsert(DeploymentRefEntity, row, ['workspace_slug']);
    noteRefWritten(manager.queryRunner, ref.workspace_slug);
  }

  /** EXCLUSIVE mode: readers pass, writers (whose upserts take ROW EXCLUSIVE) wait. TypeORM has no LOCK TABLE. */
  async holdWriters(tx: Transaction): Promise<void> {
    await managerOf(tx).query('LOCK TABLE deployment_refs IN EXCLUSIVE MODE');
  }

  async behindEvents(): Promise<boolean> {
    const [{ behind }] = await this.dataSource.query<[{ behind: boolean }]>(`
      SELECT EXISTS (
        SELECT 1
        FROM (SELECT stream_id, max(stream_version) AS version FROM events
              WHERE stream_id LIKE 'deployment-%' GROUP BY stream_id) AS streams
        LEFT JOIN deployment_refs AS refs ON 'deployment-' || refs.workspace_slug = streams.stream_id
        WHERE refs.stream_version IS DISTINCT FROM streams.version
      ) OR EXISTS (SELECT 1 FROM deployment_refs WHERE engine IS NULL) AS behind`);
    return behind;
  }

  async clear(tx: Transaction): Promise<void> {
    // A DELETE, not TRUNCATE (repository.clear): TRUNCATE would make readers wait for the rebuild.
    const manager = managerOf(tx);
    await manager.createQueryBuilder().delete().from(DeploymentRefEntity).execute();
    noteRefWritten(manager.queryRunner, ''); // every row: this process forgets them all at commit
  }
}
