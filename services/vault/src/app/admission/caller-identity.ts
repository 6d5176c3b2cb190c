import { ErrorCode, HearthError, SignatureHeaders, verifyRequestSignature } from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { Principal, PrincipalDirectory } from '../ports.js';

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
}

/** How far a request's timestamp may be from the vault's clock. */
export const FRESHNESS_MS = 30_000;

/**
 * The longest signature headers the vault looks at: a principal's name (63), a nonce (signRequest's
 * are 22), a timestamp in ms and an ed25519 signature in base64. Anything longer names no principal
 * and is refused before any lookup, so an actor of megabytes never reaches a cache or the database.
 */
const HEADER_LIMITS = { actor: 63, nonce: 64, timestamp: 16, signature: 88 } as const;

/**
 * Who signed a request. The signature covers subject, timestamp, nonce and the body's hash, and
 * must verify against the public key of the principal the request names: a claimed actor that is
 * not the signer fails here like a wrong key does.
 */
export class CallerIdentity {
  constructor(
    private readonly principals: Pick<PrincipalDirectory, 'find'>,
    private readonly clock: Clock,
  ) {}

  async identify(request: SignedRequest): Promise<Caller> {
    const actor = request.header(SignatureHeaders.actor);
    const timestamp = request.header(SignatureHeaders.timestamp);
    const nonce = request.header(SignatureHeaders.nonce);
    const signature = request.header(SignatureHeaders.signature);
    if (!actor || !timestamp || !nonce || !signature) {
      throw new HearthError(
        ErrorCode.Unsigned,
        'vault requests must be signed (Hearth-Actor, -Timestamp, -Nonce, -Signature)',
      );
    }
    if (
      actor.length > HEADER_LIMITS.actor ||
      nonce.length > HEADER_LIMITS.nonce ||
      timestamp.length > HEADER_LIMITS.timestamp ||
      signature.length > HEADER_LIMITS.signature
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
    return { principal, nonce, timestamp: Number(timestamp) };
  }

  /** Thrown separately from identify: a stale request's caller is known, so its refusal is recorded. */
  assertFresh(caller: Caller): void {
    if (!Number.isFinite(caller.timestamp) || Math.abs(this.clock.now().getTime() - caller.timestamp) > FRESHNESS_MS) {
      throw new HearthError(ErrorCode.StaleRequest, `the request timestamp is more than ${FRESHNESS_MS / 1000} s off`);
    }
  }
}
