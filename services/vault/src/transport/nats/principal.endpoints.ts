import { VaultSubjects, type PolicyRule } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ManagePrincipals } from '../../app/principals/manage-principals.js';
import { signedRequestOf } from './signed.js';

/** Bodies are validated by the use case once the signature verified, so a malformed one is refused on the record. */
@Controller()
export class PrincipalEndpoints {
  constructor(private readonly principals: ManagePrincipals) {}

  @MessagePattern(VaultSubjects.principalCreate)
  create(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string }> {
    return this.principals.create(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.principalRevoke)
  remove(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string }> {
    return this.principals.revokePrincipal(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.policyGrant)
  grant(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string; rule: PolicyRule }> {
    return this.principals.grant(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.policyRevoke)
  revoke(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string; revoked: boolean }> {
    return this.principals.revoke(signedRequestOf(ctx, body));
  }
}
