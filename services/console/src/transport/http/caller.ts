import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { OperatorAccess } from '../../app/operator-access/operator-access.js';
import type { OperatorToken } from '../../domain/operator/operator.js';

interface AuthenticatedRequest {
  headers: Record<string, string | undefined>;
  caller?: OperatorToken;
}

/** Every /v1 route but the OpenAPI document needs a bearer token; what it may do is the use case's call. */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(private readonly access: OperatorAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.caller = await this.access.authenticate(request.headers.authorization);
    return true;
  }
}

export const Caller = createParamDecorator(
  (_: unknown, context: ExecutionContext): OperatorToken =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().caller!,
);
