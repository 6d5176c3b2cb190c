import type { AuthenticatedOperator } from '@hearth/contracts';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuditorAccess } from '../../app/auditor-access/auditor-access.js';

interface AuthenticatedRequest {
  headers: Record<string, string | undefined>;
  caller?: AuthenticatedOperator;
}

/** Every audit route reads, so every one wants a token whose role may read the log. */
@Injectable()
export class AuditReaderGuard implements CanActivate {
  constructor(private readonly access: AuditorAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.caller = await this.access.reader(request.headers.authorization);
    return true;
  }
}
