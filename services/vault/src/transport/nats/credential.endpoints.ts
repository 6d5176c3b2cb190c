import { CredentialSubjects, type CredentialDetails, type CredentialTypeInfo } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CredentialQueries } from '../../app/credentials/credential-queries.js';
import { DefineCredentialType } from '../../app/credentials/define-type.js';
import { ManageCredential } from '../../app/credentials/manage-credential.js';
import { signedRequestOf } from './signed.js';

/** Credentials and their types: every request signed, its body validated by the use case once the signature verified. */
@Controller()
export class CredentialEndpoints {
  constructor(
    private readonly queries: CredentialQueries,
    private readonly defineType: DefineCredentialType,
    private readonly manage: ManageCredential,
  ) {}

  @MessagePattern(CredentialSubjects.types)
  types(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialTypeInfo[]> {
    return this.queries.types(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.defineType)
  define(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialTypeInfo> {
    return this.defineType.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.get)
  get(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialDetails> {
    return this.queries.get(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.status)
  status(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialDetails> {
    return this.manage.setActive(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.schedule)
  schedule(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialDetails> {
    return this.manage.schedule(signedRequestOf(ctx, body));
  }
}
