import { CredentialSubjects, type CredentialTestResult } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { TestCredential } from '../../app/credentials/test-credential.js';
import { signedRequestOf } from './signed.js';

/** A credential's test; the body is validated by the use case once the signature verified. */
@Controller()
export class CredentialTestEndpoints {
  constructor(private readonly testCredential: TestCredential) {}

  @MessagePattern(CredentialSubjects.test)
  test(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<CredentialTestResult> {
    return this.testCredential.run(signedRequestOf(ctx, body));
  }
}
