import {
  parseRequest,
  PolicyGrantRequest,
  PolicyRevokeRequest,
  PrincipalCreateRequest,
  VaultSubjects,
  type PolicyRule,
} from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ManagePrincipals } from '../../app/principals/manage-principals.js';
import { signedRequestOf } from './signed.js';

@Controller()
export class PrincipalEndpoints {
  constructor(private readonly principals: ManagePrincipals) {}

  @MessagePattern(VaultSubjects.principalCreate)
  create(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string }> {
    const request = parseRequest(PrincipalCreateRequest, body);
    return this.principals.create(request.name, request.public_key, signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.policyGrant)
  grant(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string; rule: PolicyRule }> {
    const request = parseRequest(PolicyGrantRequest, body);
    return this.principals.grant(request.principal, request.rule, signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.policyRevoke)
  revoke(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string; revoked: boolean }> {
    const request = parseRequest(PolicyRevokeRequest, body);
    return this.principals.revoke(request.principal, request.pattern, signedRequestOf(ctx));
  }
}
