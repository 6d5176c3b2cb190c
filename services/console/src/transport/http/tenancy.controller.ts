import {
  OrgCreateRequest,
  parseRequest,
  TeamCreateRequest,
  TeamListQuery,
  WorkspaceCreateRequest,
  WorkspaceListQuery,
  type Org,
  type OrgList,
  type Team,
  type TeamList,
  type Workspace,
  type WorkspaceList,
} from '@hearth/contracts';
import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CreateTenant } from '../../app/create-tenant/create-tenant.js';
import { ReadTenancy } from '../../app/read-tenancy/read-tenancy.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { CallerGuard, Caller } from './caller.js';
import { ApiRoute } from './openapi.js';

const slugOf = (slug: string) => parseRequest(OrgCreateRequest.pick({ slug: true }), { slug }).slug;

const created = {
  400: 'invalid request or slug',
  403: 'role may not write',
  409: 'slug taken (CONSOLE.TENANT_EXISTS)',
} as const;

/** The tenancy tree: organisations, their teams, the teams' workspaces. */
@Controller('v1')
@UseGuards(CallerGuard)
export class TenancyController {
  constructor(
    private readonly createTenant: CreateTenant,
    private readonly readTenancy: ReadTenancy,
  ) {}

  @Post('orgs')
  @ApiRoute({
    summary: 'Create an organisation',
    body: 'OrgCreateRequest',
    reply: { description: 'created', schema: 'Org' },
    errors: created,
  })
  createOrg(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<Org> {
    return this.createTenant.org(parseRequest(OrgCreateRequest, body), caller);
  }

  @Get('orgs')
  @ApiRoute({ summary: 'List organisations, by slug', reply: { description: 'every org', schema: 'OrgList' } })
  listOrgs(@Caller() caller: OperatorToken): Promise<OrgList> {
    return this.readTenancy.orgs(caller);
  }

  @Get('orgs/:slug')
  @ApiRoute({
    summary: 'One organisation',
    reply: { description: 'found', schema: 'Org' },
    errors: { 400: 'invalid slug', 404: 'no such org (CONSOLE.TENANT_NOT_FOUND)' },
  })
  getOrg(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<Org> {
    return this.readTenancy.org(slugOf(slug), caller);
  }

  @Post('teams')
  @ApiRoute({
    summary: 'Create a team in an organisation',
    body: 'TeamCreateRequest',
    reply: { description: 'created', schema: 'Team' },
    errors: { ...created, 404: 'no such org (CONSOLE.TENANT_NOT_FOUND)' },
  })
  createTeam(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<Team> {
    return this.createTenant.team(parseRequest(TeamCreateRequest, body), caller);
  }

  @Get('teams')
  @ApiRoute({
    summary: 'List teams, by slug; of one organisation with `org`',
    query: 'TeamListQuery',
    reply: { description: 'the teams', schema: 'TeamList' },
  })
  listTeams(@Query() query: unknown, @Caller() caller: OperatorToken): Promise<TeamList> {
    return this.readTenancy.teams(parseRequest(TeamListQuery, query), caller);
  }

  @Get('teams/:slug')
  @ApiRoute({
    summary: 'One team',
    reply: { description: 'found', schema: 'Team' },
    errors: { 400: 'invalid slug', 404: 'no such team (CONSOLE.TENANT_NOT_FOUND)' },
  })
  getTeam(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<Team> {
    return this.readTenancy.team(slugOf(slug), caller);
  }

  @Post('workspaces')
  @ApiRoute({
    summary: 'Create a workspace in a team; its org is the team’s',
    body: 'WorkspaceCreateRequest',
    reply: { description: 'created', schema: 'Workspace' },
    errors: { ...created, 404: 'no such team (CONSOLE.TENANT_NOT_FOUND)' },
  })
  createWorkspace(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<Workspace> {
    return this.createTenant.workspace(parseRequest(WorkspaceCreateRequest, body), caller);
  }

  @Get('workspaces')
  @ApiRoute({
    summary: 'List workspaces, by slug; of one team (`team`) or organisation (`org`)',
    query: 'WorkspaceListQuery',
    reply: { description: 'the workspaces', schema: 'WorkspaceList' },
  })
  listWorkspaces(@Query() query: unknown, @Caller() caller: OperatorToken): Promise<WorkspaceList> {
    return this.readTenancy.workspaces(parseRequest(WorkspaceListQuery, query), caller);
  }

  @Get('workspaces/:slug')
  @ApiRoute({
    summary: 'One workspace',
    reply: { description: 'found', schema: 'Workspace' },
    errors: { 400: 'invalid slug', 404: 'no such workspace (CONSOLE.TENANT_NOT_FOUND)' },
  })
  getWorkspace(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<Workspace> {
    return this.readTenancy.workspace(slugOf(slug), caller);
  }
}
