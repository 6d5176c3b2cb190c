import { LeaseSubjects, type LeaseRoleInfo } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { DefineRole } from '../../app/roles/define-role.js';
import { DeleteRole } from '../../app/roles/delete-role.js';
import { RoleQueries } from '../../app/roles/role-queries.js';
import { signedRequestOf } from './signed.js';

/** Lease roles: bodies are validated by the use case once the signature verified, so a malformed one is refused on the record. */
@Controller()
export class RoleEndpoints {
  constructor(
    private readonly defineRole: DefineRole,
    private readonly queries: RoleQueries,
    private readonly deleteRole: DeleteRole,
  ) {}

  @MessagePattern(LeaseSubjects.roleCreate)
  create(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeaseRoleInfo> {
    return this.defineRole.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.roleGet)
  get(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeaseRoleInfo> {
    return this.queries.get(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.roleList)
  list(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeaseRoleInfo[]> {
    return this.queries.list(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.roleDelete)
  delete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string }> {
    return this.deleteRole.run(signedRequestOf(ctx, body));
  }
}
