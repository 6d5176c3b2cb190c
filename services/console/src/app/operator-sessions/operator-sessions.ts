import {
  ErrorCode,
  HearthError,
  type AuthenticatedOperator,
  type Session,
  type SessionCreate,
} from '@hearth/contracts';
import type { Clock, Ids, UnitOfWork } from '@hearth/platform/ports';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { permissionsOf, type OperatorToken } from '../../domain/operator/operator.js';
import { idleExpiresAt, sessionAt } from '../../domain/operator/session.js';
import { SignInThrottle } from '../../domain/operator/sign-in-throttle.js';
import type { OperatorAudit, OperatorSessionStore, OperatorTokenStore, StoredSession } from '../ports.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The session's CSRF token, derived from its secret: the console can answer it again at every
 * `GET /v1/session` while keeping only its hash, and nobody without the cookie can compute it.
 */
const csrfTokenOf = (secret: string) =>
  createHmac('sha256', secret).update('hearth-console-csrf-v1').digest('base64url');

/** A request's browser session, resolved: who it is now, and what the web console is told of it. */
export interface SessionCaller {
  caller: OperatorToken;
  session: Session;
}

const unauthenticated = () => new HearthError(ErrorCode.Unauthenticated, 'no live session: sign in again');

/**
 * The web console's browser sessions. An operator token is exchanged once for a random session
 * secret (the cookie) and never kept; each request then finds the session and its token as it is now
 * (revoked: gone; role changed: the new role), ends it once it was left alone for the idle period,
 * and, for a write, wants its CSRF token. Sign-in, sign-out and a refused sign-in are audit events.
 */
export class OperatorSessions {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly sessions: OperatorSessionStore,
    private readonly tokens: Pick<OperatorTokenStore, 'findBySecret'>,
    private readonly audit: Pick<OperatorAudit, 'signedIn' | 'signedOut' | 'signInRefused'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly idleMs: number,
    private readonly throttle = new SignInThrottle({ limit: 10, windowMs: 60_000, addresses: 10_000 }),
  ) {}

  /**
   * Opens a session for the holder of `token`; the secret goes in the cookie and nowhere else. An
   * address refused too often of late is turned away first (CONSOLE.SIGN_IN_THROTTLED, unrecorded).
   */
  async signIn({ token: presented }: SessionCreate, address: string): Promise<{ secret: string; session: Session }> {
    const now = this.clock.now();
    if (!this.throttle.admits(address, now.getTime())) {
      throw new HearthError(ErrorCode.SignInThrottled, 'too many refused sign-ins from here: wait a minute');
    }
    const token = await this.tokens.findBySecret(presented);
    if (!token) {
      this.throttle.refused(address, now.getTime());
      await this.unitOfWork.run((tx) => this.audit.signInRefused(tx));
      throw new HearthError(ErrorCode.Unauthenticated, 'that is not a valid operator token');
    }
    // Sessions nobody came back to are swept here, where sessions are made, so the table stays small.
    await this.sessions.deleteSeenBefore(new Date(now.getTime() - this.idleMs));
    const secret = randomBytes(32).toString('base64url');
    const stored: StoredSession = {
      id: this.ids.next(),
      secretSha256: sha256(secret),
      csrfSha256: sha256(csrfTokenOf(secret)),
      tokenId: token.id,
      createdAt: now,
      lastSeenAt: now,
    };
    await this.unitOfWork.run(async (tx) => {
      await this.sessions.insert(tx, stored);
      await this.audit.signedIn(tx, token);
    });
    return { secret, session: this.sessionOf(secret, stored, token) };
  }

  /**
   * The live session of `secret`, refreshed as used. A write (`csrfToken` given, even empty) must
   * carry the session's CSRF token, else CONSOLE.CSRF_REFUSED.
   */
  async resolve(secret: string, write?: { csrfToken: string | undefined }): Promise<SessionCaller> {
    const { stored, token } = await this.live(sha256(secret), true);
    if (write && !this.csrfMatches(stored, write.csrfToken)) {
      throw new HearthError(ErrorCode.CsrfRefused, 'a write from the web console must carry its X-CSRF-Token');
    }
    return { caller: token, session: this.sessionOf(secret, stored, token) };
  }

  /** Whether `secret` still opens a live session now, without counting as use (a long stream re-checking). */
  async stillLive(secret: string): Promise<OperatorToken> {
    return (await this.live(sha256(secret), false)).token;
  }

  /** Ends the session of `secret` (if live), as its holder asked; its CSRF token is wanted as for any write. */
  async signOut(secret: string, csrfToken: string | undefined): Promise<void> {
    const { stored, token } = await this.live(sha256(secret), false);
    if (!this.csrfMatches(stored, csrfToken)) {
      throw new HearthError(ErrorCode.CsrfRefused, 'signing out from the web console must carry its X-CSRF-Token');
    }
    await this.unitOfWork.run(async (tx) => {
      if (await this.sessions.delete(stored.id, tx)) await this.audit.signedOut(tx, token);
    });
  }

  /** For another service's edge, which sees the session secret as a bearer token and asks by its SHA-256. */
  async holderOfHash(secretSha256: Buffer): Promise<AuthenticatedOperator | null> {
    try {
      const { token } = await this.live(secretSha256, false);
      return { name: token.name, role: token.role };
    } catch (error) {
      if (error instanceof HearthError && error.code === ErrorCode.Unauthenticated) return null;
      throw error;
    }
  }

  private async live(secretSha256: Buffer, use: boolean): Promise<{ stored: StoredSession; token: OperatorToken }> {
    const found = await this.sessions.findBySecretSha256(secretSha256);
    if (!found) throw unauthenticated();
    const now = this.clock.now();
    const at = sessionAt(found.session, now, this.idleMs);
    if (at.state === 'expired') {
      await this.sessions.delete(found.session.id);
      throw unauthenticated();
    }
    if (use && at.touch) {
      await this.sessions.touch(found.session.id, now);
      return { stored: { ...found.session, lastSeenAt: now }, token: found.token };
    }
    return { stored: found.session, token: found.token };
  }

  private csrfMatches(stored: StoredSession, csrfToken: string | undefined): boolean {
    if (!csrfToken) return false;
    return timingSafeEqual(sha256(csrfToken), stored.csrfSha256);
  }

  private sessionOf(secret: string, stored: StoredSession, token: OperatorToken): Session {
    return {
      operator: { name: token.name, role: token.role },
      permissions: permissionsOf(token.role),
      csrf_token: csrfTokenOf(secret),
      idle_expires_at: idleExpiresAt(stored, this.idleMs).toISOString(),
    };
  }
}
