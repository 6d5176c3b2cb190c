import { parseRequest, Subjects, TokenAuthenticateRequest, type AuthenticatedOperator } from '@hearth/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { OperatorAccess } from '../../app/operator-access/operator-access.js';

/** `console.token.authenticate {token_sha256}` → who holds the token, for other services' HTTP edges. */
@Controller()
export class TokenEndpoints {
  constructor(private readonly access: OperatorAccess) {}

  @MessagePattern(Subjects.tokenAuthenticate)
  authenticate(@Payload() body: unknown): Promise<AuthenticatedOperator | null> {
    return this.access.authenticateHash(parseRequest(TokenAuthenticateRequest, body).token_sha256);
  }
}
