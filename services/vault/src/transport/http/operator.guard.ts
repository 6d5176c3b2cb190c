import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { OperatorMetadata } from '../../app/operator-metadata/operator-metadata.js';

/** Every route of the operators' API wants a console operator token of an allowed role. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(private readonly metadata: OperatorMetadata) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    await this.metadata.operator(request.headers.authorization);
    return true;
  }
}
