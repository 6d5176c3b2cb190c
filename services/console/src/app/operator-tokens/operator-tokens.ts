import {
  ErrorCode,
  HearthError,
  type AuthenticatedOperator,
  type TokenCreated,
  type TokenCreateRequest,
  type TokenRevoked,
} from '@hearth/contracts';
import { randomBytes } from 'node:crypto';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { OperatorTokens } from '../../infra/postgres/operator-tokens.js';
import type { Ids } from '@hearth/platform/ports';
import { isUniqueViolation } from '@hearth/platform/postgres';

const BOOTSTRAP_NAME = 'bootstrap-admin';

/** Issuing and checking operator bearer tokens; the clear token exists only in the creator's reply. */
export class OperatorAccess {
  constructor(
    private readonly tokens: Pick<OperatorTokens, 'save' | 'replace' | 'deleteByName' | 'findBySecret' | 'findByHash'>,
    private readonly ids: Ids,
  ) {}

  /** Makes HEARTH_BOOTSTRAP_ADMIN_TOKEN the first admin; a changed value replaces the old one. */
  async bootstrap(secret: string): Promise<void> {
    await this.tokens.replace(
      { id: this.ids.next(), name: BOOTSTRAP_NAME, role: 'admin', createdBy: 'bootstrap' },
      secret,
    );
  }

  async create(request: TokenCreateRequest, caller: OperatorToken): Promise<TokenCreated> {
    authorize(caller, 'token.create');
    const secret = `hth_${randomBytes(32).toString('base64url')}`;
    const token: OperatorToken = {
      id: this.ids.next(),
      name: request.name,
      role: request.role,
      createdBy: caller.name,
    };
    try {
      await this.tokens.save(token, secret);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new HearthError(ErrorCode.TokenExists, `a token named ${request.name} exists`);
      throw error;
    }
    return { id: token.id, name: token.name, role: token.role, token: secret };
  }

  /**
   * Forgets a token: the console refuses it from the next request on, other edges once their cached
   * answer expires (hatch ends an open tail then too). The bootstrap admin is refused here: the
   * console would bring it back at its next start, so it is replaced by changing
   * HEARTH_BOOTSTRAP_ADMIN_TOKEN instead.
   */
  async revoke(name: string, caller: OperatorToken): Promise<TokenRevoked> {
    authorize(caller, 'token.revoke');
    if (name === BOOTSTRAP_NAME) {
      throw new HearthError(
        ErrorCode.InvalidRequest,
        `${BOOTSTRAP_NAME} comes from HEARTH_BOOTSTRAP_ADMIN_TOKEN: change that and restart the console to replace it`,
      );
    }
    const token = await this.tokens.deleteByName(name);
    if (!token) throw new HearthError(ErrorCode.TokenNotFound, `no token named ${name}`);
    return { id: token.id, name: token.name, role: token.role };
  }

  /** For another service's edge, which only ever sees the token's SHA-256. */
  async authenticateHash(tokenSha256Hex: string): Promise<AuthenticatedOperator | null> {
    const token = await this.tokens.findByHash(Buffer.from(tokenSha256Hex, 'hex'));
    return token ? { name: token.name, role: token.role } : null;
  }

  async authenticate(authorization: string | undefined): Promise<OperatorToken> {
    const secret = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const token = secret ? await this.tokens.findBySecret(secret) : null;
    if (!token) throw new HearthError(ErrorCode.Unauthenticated, 'a valid bearer token is required');
    return token;
  }
}
