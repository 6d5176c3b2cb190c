import { BOOTSTRAP_ADMIN, ErrorCode, HearthError, type TokenRevoked } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { UnitOfWork } from '@hearth/platform/ports';
import type { OperatorAudit, OperatorTokenStore } from '../ports.js';

/**
 * An admin forgets a token, recorded in HATCH with it: the console refuses it from the next request on, other edges once their
 * cached answer expires (hatch ends an open tail then too). The bootstrap admin is refused: the
 * console would bring it back at its next start, so it is replaced by changing its setting instead.
 */
export class RevokeToken {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly tokens: Pick<OperatorTokenStore, 'deleteByName'>,
    private readonly audit: Pick<OperatorAudit, 'tokenRevoked'>,
  ) {}

  async run(name: string, caller: OperatorToken): Promise<TokenRevoked> {
    authorize(caller, 'token.revoke');
    if (name === BOOTSTRAP_ADMIN) {
      throw new HearthError(
        ErrorCode.InvalidRequest,
        `${BOOTSTRAP_ADMIN} comes from HEARTH_BOOTSTRAP_ADMIN_TOKEN: change that and restart the console to replace it`,
      );
    }
    const token = await this.unitOfWork.run(async (tx) => {
      const deleted = await this.tokens.deleteByName(name, tx);
      if (deleted) await this.audit.tokenRevoked(tx, deleted, caller);
      return deleted;
    });
    if (!token) throw new HearthError(ErrorCode.TokenNotFound, `no token named ${name}`);
    return { id: token.id, name: token.name, role: token.role };
  }
}
