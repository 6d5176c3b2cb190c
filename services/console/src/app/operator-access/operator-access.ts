import { BOOTSTRAP_ADMIN, ErrorCode, HearthError, type AuthenticatedOperator } from '@hearth/contracts';
import type { Ids } from '@hearth/platform/ports';
import type { OperatorToken } from '../../domain/operator/operator.js';
import type { OperatorSessions } from '../operator-sessions/operator-sessions.js';
import type { OperatorTokenStore } from '../ports.js';

/** Who holds an operator token: for the console's own routes, and for other services' edges. */
export class OperatorAccess {
  constructor(
    private readonly tokens: Pick<OperatorTokenStore, 'replace' | 'findBySecret' | 'findBySha256'>,
    private readonly ids: Ids,
    private readonly sessions: Pick<OperatorSessions, 'holderOfHash' | 'stillLive'>,
  ) {}

  /** Makes HEARTH_BOOTSTRAP_ADMIN_TOKEN the first admin; a changed value replaces the old one. */
  async bootstrap(secret: string): Promise<void> {
    await this.tokens.replace(
      { id: this.ids.next(), name: BOOTSTRAP_ADMIN, role: 'admin', createdBy: 'bootstrap' },
      secret,
    );
  }

  /** The holder of an `Authorization: Bearer …` value; what the holder may do is each use case's call. */
  async authenticate(authorization: string | undefined): Promise<OperatorToken> {
    const secret = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const token = secret ? await this.tokens.findBySecret(secret) : null;
    if (!token) throw new HearthError(ErrorCode.Unauthenticated, 'a valid bearer token is required');
    return token;
  }

  /**
   * The holder of what a caller authenticated with, as it is now, for a long stream that asks again:
   * its bearer token, or its web console session (which this does not count as use).
   */
  recheck(credential: { kind: 'bearer' | 'session'; secret: string }): Promise<OperatorToken> {
    return credential.kind === 'session'
      ? this.sessions.stillLive(credential.secret)
      : this.authenticate(`Bearer ${credential.secret}`);
  }

  /**
   * For another service's edge, which only ever sees the token's SHA-256. A web console session's
   * secret passes too, as its token's holder now: the console forwards it to the vault and hatch.
   */
  async authenticateHash(tokenSha256Hex: string): Promise<AuthenticatedOperator | null> {
    const hash = Buffer.from(tokenSha256Hex, 'hex');
    const token = await this.tokens.findBySha256(hash);
    if (token) return { name: token.name, role: token.role };
    return this.sessions.holderOfHash(hash);
  }
}
