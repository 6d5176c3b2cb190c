import { ErrorCode, HearthError, type TokenRevoked } from '@hearth/contracts';
import { authorize, BOOTSTRAP_ADMIN, type OperatorToken } from '../../domain/operator/operator.js';
import type { OperatorTokenStore } from '../ports.js';

/**
 * An admin forgets a token: the console refuses it from the next request on, other edges once their
 * cached answer expires (hatch ends an open tail then too). The bootstrap admin is refused: the
 * console would bring it back at its next start, so it is replaced by changing its setting instead.
 */
export class RevokeToken {
  constructor(private readonly tokens: Pick<OperatorTokenStore, 'deleteByName'>) {}

  async run(name: string, caller: OperatorToken): Promise<TokenRevoked> {
    authorize(caller, 'token.revoke');
    if (name === BOOTSTRAP_ADMIN) {
      throw new HearthError(
        ErrorCode.InvalidRequest,
        `${BOOTSTRAP_ADMIN} comes from HEARTH_BOOTSTRAP_ADMIN_TOKEN: change that and restart the console to replace it`,
      );
    }
    const token = await this.tokens.deleteByName(name);
    if (!token) throw new HearthError(ErrorCode.TokenNotFound, `no token named ${name}`);
    return { id: token.id, name: token.name, role: token.role };
  }
}
