import {
  ErrorCode,
  HearthError,
  type Org,
  type OrgList,
  type Team,
  type TeamList,
  type TeamListQuery,
  type Workspace,
  type WorkspaceList,
  type WorkspaceListQuery,
} from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { TenancyReader } from '../ports.js';

/** The tenancy tree as operators read it: any role may. */
export class ReadTenancy {
  constructor(private readonly tree: TenancyReader) {}

  async org(slug: string, caller: OperatorToken): Promise<Org> {
    authorize(caller, 'tenancy.read');
    return found(await this.tree.org(slug), 'org', slug);
  }

  async team(slug: string, caller: OperatorToken): Promise<Team> {
    authorize(caller, 'tenancy.read');
    return found(await this.tree.team(slug), 'team', slug);
  }

  async workspace(slug: string, caller: OperatorToken): Promise<Workspace> {
    authorize(caller, 'tenancy.read');
    return found(await this.tree.workspace(slug), 'workspace', slug);
  }

  async orgs(caller: OperatorToken): Promise<OrgList> {
    authorize(caller, 'tenancy.read');
    return { items: await this.tree.orgs() };
  }

  async teams(query: TeamListQuery, caller: OperatorToken): Promise<TeamList> {
    authorize(caller, 'tenancy.read');
    return { items: await this.tree.teams(query) };
  }

  async workspaces(query: WorkspaceListQuery, caller: OperatorToken): Promise<WorkspaceList> {
    authorize(caller, 'tenancy.read');
    return { items: await this.tree.workspaces(query) };
  }
}

function found<T>(tenant: T | null, kind: string, slug: string): T {
  if (tenant === null) throw new HearthError(ErrorCode.TenantNotFound, `no ${kind} ${slug}`);
  return tenant;
}
