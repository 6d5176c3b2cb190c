import type { TokenCreated, TokenCreateRequest } from '@hearth/contracts';
import type { Ids, UnitOfWork } from '@hearth/platform/ports';
import { randomBytes } from 'node:crypto';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { OperatorAudit, OperatorTokenStore } from '../ports.js';

/** An admin issues an operator token, recorded in HATCH with it; the clear token exists only in this reply. */
export class CreateToken {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly tokens: Pick<OperatorTokenStore, 'insert'>,
    private readonly audit: Pick<OperatorAudit, 'tokenCreated'>,
    private readonly ids: Ids,
  ) {}

  async run(request: TokenCreateRequest, caller: OperatorToken): Promise<TokenCreated> {
    authorize(caller, 'token.create');
    const secret = `hth_${randomBytes(32).toString('base64url')}`;
    const token: OperatorToken = {
      id: this.ids.next(),
      name: request.name,
      role: request.role,
      createdBy: caller.name,
    };
    await this.unitOfWork.run(async (tx) => {
      await this.tokens.insert(token, secret, tx);
      await this.audit.tokenCreated(tx, token, caller);
    });
    return { id: token.id, name: token.name, role: token.role, token: secret };
  }
}
