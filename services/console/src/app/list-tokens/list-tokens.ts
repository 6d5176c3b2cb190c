import type { TokenList } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { OperatorTokenList } from '../ports.js';

/** The operator tokens, for whoever may create them: names, roles and makers, never a token or its hash. */
export class ListTokens {
  constructor(private readonly tokens: OperatorTokenList) {}

  async run(caller: OperatorToken): Promise<TokenList> {
    authorize(caller, 'token.create');
    return { items: await this.tokens.list() };
  }
}
