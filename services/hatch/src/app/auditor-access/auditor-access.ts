import type { AuthenticatedOperator, OperatorRole } from '@hearth/contracts';
import type { OperatorTokens } from '@hearth/platform';
import { authorizeAuditRead } from '../../domain/access/audit-access.js';

/** Who may read the audit log: the holder of a console token whose role is one of `readerRoles`. */
export class AuditorAccess {
  constructor(
    private readonly tokens: Pick<OperatorTokens, 'holder'>,
    private readonly readerRoles: readonly OperatorRole[],
  ) {}

  async reader(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const caller = await this.tokens.holder(authorization);
    authorizeAuditRead(caller, this.readerRoles);
    return caller;
  }
}
