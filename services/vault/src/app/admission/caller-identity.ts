import {
  ErrorCode,
  HearthError,
  sealForSession,
  type PolicyRule,
  sealTo,
  SessionHeaders,
  SignatureHeaders,
  verifyRequestSignature,
  verifySessionMac,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { Principal, PrincipalDirectory } from '../ports.js';
import type { SessionDirectory } from './sessions.js';

/** A request as it arrived: the bytes and headers it was signed over, and its body decoded but not yet validated. */
export interface SignedRequest {
  subject: string;
  body: Uint8Array;
  header(name: string): string | undefined;
  /** Validated only once the signer is known, so that a malformed request is refused on the record. */
  payload: unknown;
}

export interface Caller {
  principal: Principal;
  nonce: string;
  timestamp: number;
  /** The session the request came in, or null for a request signed on its own. */
  session: string | null;
  /**
   * Whether the request is the principal's own (its signature or its session's MAC verified). A
   * request that only names a known session is refused on that principal's record, but its nonce is
   * not the principal's to burn.
   */
  authenticated: boolean;
  /** Why a request of a known session is refused, once its caller is known (recorded, like staleness); else null. */
  refusal: HearthError | null;
  /** Seals a value for this caller alone: under its session's reply key, bound to this request, or to its own key. */
  seal(plaintext: Uint8Array): Uint8Array;
}

/** How far a request's timestamp may be from the vault's clock. */
export const FRESHNESS_MS = 30_000;

/**
 * The longest authentication headers the vault looks at: a principal's name (63), a nonce (the
 * clients' are 22), a timestamp in ms, an ed25519 signature or an HMAC-SHA256 in base64, a session
 * id (a UUID). Anything longer names no principal and is refused before any lookup, so an actor of
 * megabytes never reaches a cache or the database.
 */
const HEADER_LIMITS = { actor: 63, nonce: 64, timestamp: 16, signature: 88, mac: 44, session: 36 } as const;

const tooLong = (value: string, limit: number) => value.length > limit;

/**
 * Who sent a request, in either of the vault's two modes. Signed: the signature covers subject,
 * timestamp, nonce and the body's hash, and must verify against the public key of the principal the
 * request names — a claimed actor that is not the signer fails like a wrong key does. In a session:
 * the same payload carries the session's MAC instead, the session must be the named actor's, still
 * open, and opened with the key the principal holds now (a principal removed or re-keyed ends its
 * sessions). A request naming an unknown session is refused unrecorded, like a bad signature; one
 * naming a known session is refused on its principal's record.
 */
export class CallerIdentity {
  constructor(
    private readonly principals: Pick<PrincipalDirectory, 'find' | 'findCurrent'>,
    private readonly sessions: Pick<SessionDirectory, 'find'>,
    private readonly clock: Clock,
  ) {}

  identify(request: SignedRequest): Promise<Caller> {
    return request.header(SessionHeaders.session) === undefined
      ? this.identifySigned(request)
      : this.identifyInSession(request);
  }

  /**
   * The caller's rules as the table holds them now, past this process's cache: a grant committed
   * through another vault reaches this one by a notification that may not have arrived yet.
   */
  async currentRules(caller: Caller): Promise<PolicyRule[]> {
    return (await this.principals.findCurrent(caller.principal.name))?.rules ?? [];
  }

  /** Thrown separately from identify: the caller is known, so the refusal is recorded. */
  assertAdmissible(caller: Caller): void {
    if (caller.refusal) throw caller.refusal;
    if (!Number.isFinite(caller.timestamp) || Math.abs(this.clock.now().getTime() - caller.timestamp) > FRESHNESS_MS) {
      throw new HearthError(ErrorCode.StaleRequest, `the request timestamp is more than ${FRESHNESS_MS / 1000} s off`);
    }
  }

  private async identifySigned(request: SignedRequest): Promise<Caller> {
    const actor = request.header(SignatureHeaders.actor);
    const timestamp = request.header(SignatureHeaders.timestamp);
    const nonce = request.header(SignatureHeaders.nonce);
    const signature = request.header(SignatureHeaders.signature);
    if (!actor || !timestamp || !nonce || !signature) {
      throw new HearthError(
        ErrorCode.Unsigned,
        'vault requests must be signed (Hearth-Actor, -Timestamp, -Nonce, -Signature) or carry a session (Hearth-Session, -Mac)',
      );
    }
    if (
      tooLong(actor, HEADER_LIMITS.actor) ||
      tooLong(nonce, HEADER_LIMITS.nonce) ||
      tooLong(timestamp, HEADER_LIMITS.timestamp) ||
      tooLong(signature, HEADER_LIMITS.signature)
    ) {
      throw new HearthError(ErrorCode.BadSignature, 'the signature headers are longer than any the vault issues');
    }
    const principal = await this.principals.find(actor);
    if (
      !principal ||
      !verifyRequestSignature(request.subject, request.body, timestamp, nonce, signature, principal.publicKey)
    ) {
      throw new HearthError(ErrorCode.BadSignature, 'the signature does not verify for the named actor');
    }
    return {
      principal,
      nonce,
      timestamp: Number(timestamp),
      session: null,
      authenticated: true,
      refusal: null,
      seal: (plaintext) => sealTo(principal.publicKey, plaintext),
    };
  }

  private async identifyInSession(request: SignedRequest): Promise<Caller> {
    const id = request.header(SessionHeaders.session);
    const actor = request.header(SessionHeaders.actor);
    const timestamp = request.header(SessionHeaders.timestamp);
    const nonce = request.header(SessionHeaders.nonce);
    const mac = request.header(SessionHeaders.mac);
    if (!id || !actor || !timestamp || !nonce || !mac) {
      throw new HearthError(
        ErrorCode.Unsigned,
        'a session request carries Hearth-Session, -Actor, -Timestamp, -Nonce and -Mac',
      );
    }
    if (
      tooLong(id, HEADER_LIMITS.session) ||
      tooLong(actor, HEADER_LIMITS.actor) ||
      tooLong(nonce, HEADER_LIMITS.nonce) ||
      tooLong(timestamp, HEADER_LIMITS.timestamp) ||
      tooLong(mac, HEADER_LIMITS.mac)
    ) {
      throw new HearthError(ErrorCode.BadMac, 'the session headers are longer than any the vault issues');
    }
    const session = await this.sessions.find(id);
    if (!session) throw new HearthError(ErrorCode.SessionUnknown, 'the vault knows no such session: open another');
    const principal = await this.principals.find(session.principal);
    const authenticated =
      actor === session.principal &&
      verifySessionMac(session.keys.mac, request.subject, timestamp, nonce, request.body, mac);
    return {
      // A principal removed since is still who the session was: its refusal is recorded under that name.
      principal: principal ?? { name: session.principal, publicKey: session.principalKey, rules: [] },
      nonce,
      timestamp: Number(timestamp),
      session: session.id,
      authenticated,
      refusal: authenticated ? this.sessionEnded(session, principal) : this.notTheSessions(actor, session.principal),
      seal: (plaintext) => sealForSession(session.keys.reply, session.id, nonce, plaintext),
    };
  }

  private notTheSessions(actor: string, owner: string): HearthError {
    return actor === owner
      ? new HearthError(ErrorCode.BadMac, "the MAC does not verify under the session's key")
      : new HearthError(ErrorCode.SessionMismatch, 'the session belongs to another principal than the named actor');
  }

  private sessionEnded(
    session: { principalKey: string; expiresAt: number },
    principal: Principal | null,
  ): HearthError | null {
    if (!principal || principal.publicKey !== session.principalKey) {
      return new HearthError(ErrorCode.SessionRevoked, "the session's principal or its key was revoked");
    }
    if (session.expiresAt <= this.clock.now().getTime()) {
      return new HearthError(ErrorCode.SessionExpired, 'the session has expired: open another');
    }
    return null;
  }
}
