import type { EngineHealth, EngineInfo, LeaseInfo, LeaseRoleInfo } from '@hearth/contracts';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { OperatorLeases } from '../../app/operator-leases/operator-leases.js';
import { ApiRoute } from './openapi.js';
import { OperatorGuard } from './operator.guard.js';

/** The operators' HTTP API for dynamic credentials: engines, roles and leases, never a password. */
@Controller('v1')
@UseGuards(OperatorGuard)
export class DynamicCredentialsController {
  constructor(private readonly operator: OperatorLeases) {}

  @Get('engines')
  @ApiRoute({
    summary: 'Every engine: where its database is, which version of its root credential it uses, its live leases',
    reply: { description: 'the engines, by name', schema: 'EngineList' },
    errors: { 403: 'a role the vault does not let in' },
  })
  engines(): Promise<EngineInfo[]> {
    return this.operator.engineList();
  }

  @Get('engines/:name')
  @ApiRoute({
    summary: 'One engine (its root credential only as the path of its secret)',
    reply: { description: 'the engine', schema: 'EngineInfo' },
    errors: { 400: 'not an engine name', 403: 'a role the vault does not let in', 404: 'no such engine' },
  })
  engine(@Param('name') name: string): Promise<EngineInfo> {
    return this.operator.engine(name);
  }

  @Get('engines/:name/health')
  @ApiRoute({
    summary: 'A test connection now: reachable, root login valid, may create roles (a database down is an answer)',
    reply: { description: 'each step, and a reason to act on', schema: 'EngineHealth' },
    errors: { 400: 'not an engine name', 403: 'a role the vault does not let in', 404: 'no such engine' },
  })
  health(@Param('name') name: string): Promise<EngineHealth> {
    return this.operator.health(name);
  }

  /** `?engine=` narrows to one engine's roles. */
  @Get('roles')
  @ApiRoute({
    summary: "Every role, or one engine's: the statements its users are made and removed with, its TTLs",
    query: 'LeaseRoleListRequest',
    reply: { description: 'the roles, by name', schema: 'LeaseRoleList' },
    errors: { 400: 'not an engine name', 403: 'a role the vault does not let in' },
  })
  roles(@Query() query: unknown): Promise<LeaseRoleInfo[]> {
    return this.operator.roleList(query);
  }

  @Get('roles/:name')
  @ApiRoute({
    summary: 'One role',
    reply: { description: 'the role', schema: 'LeaseRoleInfo' },
    errors: { 400: 'not a role name', 403: 'a role the vault does not let in', 404: 'no such role' },
  })
  role(@Param('name') name: string): Promise<LeaseRoleInfo> {
    return this.operator.role(name);
  }

  /** `?role=&engine=&workspace=&state=&limit=`, newest first. */
  @Get('leases')
  @ApiRoute({
    summary:
      'Leases, newest first: who holds which database user until when, and the last error of one the vault could not revoke (never a password)',
    query: 'LeaseListRequest',
    reply: { description: 'the leases', schema: 'LeaseList' },
    errors: { 400: 'a filter out of its grammar', 403: 'a role the vault does not let in' },
  })
  leases(@Query() query: unknown): Promise<LeaseInfo[]> {
    return this.operator.leaseList(query);
  }
}
