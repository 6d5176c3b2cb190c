import type { Org, Team, TeamListQuery, Workspace, WorkspaceListQuery } from '@hearth/contracts';
import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import type { DataSource } from 'typeorm';
import type { TenancyReader, TenancyRebuild } from '../../app/ports.js';
import type { Tenant } from '../../domain/tenancy/tenancy.js';
import { OrgEntity, TeamEntity, WorkspaceEntity } from './tenancy.entities.js';

/** Each table, with the kind whose streams (`org-<slug>`…) it projects. */
const TABLES = { orgs: 'org', teams: 'team', workspaces: 'workspace' } as const satisfies Record<
  string,
  Tenant['kind']
>;

/** The tenancy projection: written inline with each tenant's creation event, rebuilt from the streams. */
export class TenancyTables implements TenancyReader, TenancyRebuild {
  constructor(private readonly dataSource: DataSource) {}

  async org(slug: string): Promise<Org | null> {
    const row = await this.dataSource.getRepository(OrgEntity).findOneBy({ slug });
    return row ? withCreated(row) : null;
  }

  async team(slug: string): Promise<Team | null> {
    const row = await this.dataSource.getRepository(TeamEntity).findOneBy({ slug });
    return row ? withCreated(row) : null;
  }

  async workspace(slug: string): Promise<Workspace | null> {
    const row = await this.dataSource.getRepository(WorkspaceEntity).findOneBy({ slug });
    return row ? withCreated(row) : null;
  }

  async orgs(): Promise<Org[]> {
    return (await this.dataSource.getRepository(OrgEntity).find({ order: { slug: 'ASC' } })).map(withCreated);
  }

  async teams(query: TeamListQuery): Promise<Team[]> {
    const rows = await this.dataSource
      .getRepository(TeamEntity)
      .find({ where: query.org ? { org: query.org } : {}, order: { slug: 'ASC' } });
    return rows.map(withCreated);
  }

  async workspaces(query: WorkspaceListQuery): Promise<Workspace[]> {
    const rows = await this.dataSource.getRepository(WorkspaceEntity).find({
      where: { ...(query.team ? { team: query.team } : {}), ...(query.org ? { org: query.org } : {}) },
      order: { slug: 'ASC' },
    });
    return rows.map(withCreated);
  }

  async put(tx: Transaction, tenant: Tenant): Promise<void> {
    const manager = managerOf(tx);
    switch (tenant.kind) {
      case 'org':
        return void (await manager.upsert(OrgEntity, rowOf(tenant.org), ['slug']));
      case 'team':
        return void (await manager.upsert(TeamEntity, rowOf(tenant.team), ['slug']));
      case 'workspace':
        return void (await manager.upsert(WorkspaceEntity, rowOf(tenant.workspace), ['slug']));
      default: {
        const unknown: never = tenant;
        return unknown;
      }
    }
  }

  /** As DeploymentRefTable.holdWriters: readers pass, writers wait until the rebuild commits. */
  async holdWriters(tx: Transaction): Promise<void> {
    await managerOf(tx).query(`LOCK TABLE ${Object.keys(TABLES).join(', ')} IN EXCLUSIVE MODE`);
  }

  async behindEvents(): Promise<boolean> {
    const missing = Object.entries(TABLES).map(
      ([table, kind]) => `
        SELECT 1 FROM events
        WHERE stream_id LIKE '${kind}-%'
          AND NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE '${kind}-' || t.slug = events.stream_id)`,
    );
    const [{ behind }] = await this.dataSource.query<[{ behind: boolean }]>(
      `SELECT EXISTS (${missing.join(' UNION ALL ')}) AS behind`,
    );
    return behind;
  }

  async clear(tx: Transaction): Promise<void> {
    // DELETE, not TRUNCATE, so readers keep reading the old rows until the rebuild commits.
    for (const entity of [WorkspaceEntity, TeamEntity, OrgEntity]) {
      await managerOf(tx).createQueryBuilder().delete().from(entity).execute();
    }
  }
}

function withCreated<R extends { created: Date }>(row: R): Omit<R, 'created'> & { created: string } {
  return { ...row, created: row.created.toISOString() };
}

function rowOf<T extends { created: string }>(tenant: T): Omit<T, 'created'> & { created: Date } {
  return { ...tenant, created: new Date(tenant.created) };
}
