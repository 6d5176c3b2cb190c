import type {
  Org,
  OrgCreateRequest,
  Team,
  TeamCreateRequest,
  Workspace,
  WorkspaceCreateRequest,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { TenancyCommand, Tenant } from '../../domain/tenancy/tenancy.js';
import type { Tenancy, TenancyReader } from '../ports.js';

/**
 * An operator adds an organisation, a team to an organisation, or a workspace to a team. The parent
 * is looked up first and its finding handed to the decider: tenants are never removed, so it holds.
 */
export class CreateTenant {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly tree: Pick<TenancyReader, 'org' | 'team'>,
    private readonly clock: Clock,
  ) {}

  async org(request: OrgCreateRequest, caller: OperatorToken): Promise<Org> {
    authorize(caller, 'tenancy.write');
    const tenant = await this.create({ type: 'CreateOrg', request, now: this.now() }, caller);
    return tenant.kind === 'org' ? tenant.org : unexpected(tenant);
  }

  async team(request: TeamCreateRequest, caller: OperatorToken): Promise<Team> {
    authorize(caller, 'tenancy.write');
    const orgExists = (await this.tree.org(request.org)) !== null;
    const tenant = await this.create({ type: 'CreateTeam', request, orgExists, now: this.now() }, caller);
    return tenant.kind === 'team' ? tenant.team : unexpected(tenant);
  }

  async workspace(request: WorkspaceCreateRequest, caller: OperatorToken): Promise<Workspace> {
    authorize(caller, 'tenancy.write');
    const teamOrg = (await this.tree.team(request.team))?.org ?? null;
    const tenant = await this.create({ type: 'CreateWorkspace', request, teamOrg, now: this.now() }, caller);
    return tenant.kind === 'workspace' ? tenant.workspace : unexpected(tenant);
  }

  private create(command: TenancyCommand, caller: OperatorToken): Promise<Tenant> {
    return this.tenancy.create(command, { actor: `operator:${caller.name}` });
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function unexpected(tenant: Tenant): never {
  throw new Error(`a ${tenant.kind} was created where another kind was asked for`);
}
