import { VaultSubjects, type SessionOpened } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { OpenSession } from '../../app/sessions/open-session.js';
import { signedRequestOf } from './signed.js';

@Controller()
export class SessionEndpoints {
  constructor(private readonly openSession: OpenSession) {}

  @MessagePattern(VaultSubjects.sessionOpen)
  open(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SessionOpened> {
    return this.openSession.run(signedRequestOf(ctx, body));
  }
}
