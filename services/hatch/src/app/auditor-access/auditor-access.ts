import type { AuthenticatedOperator, OperatorRole } from '@hearth/contracts';
import type { ConsoleTokenCache } from '@hearth/platform/operators';
import { authorizeAuditRead } from '../../domain/access/audit-access.js';

/** Who may read the audit log: the holder of a console token whose role is one of `readerRoles`. */
export class AuditorAccess {
  constructor(
    private readonly tokens: Pick<ConsoleTokenCache, 'holder' | 'holderOfHash'>,
    private readonly readerRoles: readonly OperatorRole[],
  ) {}

  /** By an HTTP `Authorization: Bearer …` value. */
  async reader(authorization: string | undefined): Promise<AuthenticatedOperator> {
    return this.authorized(await this.tokens.holder(authorization));
  }

  /** By the token's SHA-256, as a NATS request names it (the token itself stays off the bus). */
  async readerByTokenHash(sha256: string | undefined): Promise<AuthenticatedOperator> {
    return this.authorized(await this.tokens.holderOfHash(sha256));
  }

  private authorized(caller: AuthenticatedOperator): AuthenticatedOperator {
    authorizeAuditRead(caller, this.readerRoles);
    return caller;
  }
}
