import { CredentialSubjects, type CredentialRotation, type CredentialWorkList } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CredentialWorkQueue } from '../../app/credentials/credential-work.js';
import { RotateCredential } from '../../app/credentials/rotate-credential.js';
import { signedRequestOf } from './signed.js';

/** Rotation, and the driver's work channel (claim, report): every one signed, bodies validated in the use case. */
@Controller()
export class CredentialRotationEndpoints {
  constructor(
    private readonly rotateCredential: RotateCredential,
    private readonly credentialWork: CredentialWorkQueue,
  ) {}

  @MessagePattern(CredentialSubjects.rotate)
  rotate(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialRotation> {
    return this.rotateCredential.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.workClaim)
  claim(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialWorkList> {
    return this.credentialWork.claim(signedRequestOf(ctx, body));
  }

  @MessagePattern(CredentialSubjects.workReport)
  report(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ path: string; version: number }> {
    return this.credentialWork.report(signedRequestOf(ctx, body));
  }
}
