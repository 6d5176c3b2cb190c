import {
  askSigned,
  AuthenticatedOperator,
  type BusVerifier,
  ErrorCode,
  HearthError,
  Subjects,
  type TokenAuthenticateRequest,
} from '@hearth/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';

/** Who holds an operator token, asked of the console by the token's SHA-256 (hex). */
export interface OperatorDirectory {
  authenticate(tokenSha256: string): Promise<AuthenticatedOperator | null>;
}

/**
 * Asks the console who holds a token (`console.token.authenticate`); only the hash is sent, and only
 * an answer the console signed for this request counts (anyone on the bus could answer first).
 */
export class ConsoleOperatorDirectory implements OperatorDirectory {
  constructor(
    private readonly nc: NatsConnection,
    private readonly verifier: BusVerifier,
    private readonly timeoutMs = 3_000,
  ) {}

  async authenticate(tokenSha256: string): Promise<AuthenticatedOperator | null> {
    const request: TokenAuthenticateRequest = { token_sha256: tokenSha256 };
    let body: unknown;
    try {
      body = await askSigned(this.nc, this.verifier, 'console', Subjects.tokenAuthenticate, request, {
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      const code = error instanceof HearthError ? error.code : 'no answer';
      throw new HearthError(ErrorCode.Unavailable, `the console could not check the token: ${code}`);
    }
    return body === null ? null : AuthenticatedOperator.parse(body);
  }
}

interface Cached {
  operator: AuthenticatedOperator | null;
  until: number;
}

const MAX_CACHED = 10_000;
/** An unknown token is remembered briefly too, so a flood of bad ones does not become a flood of requests. */
const UNKNOWN_TOKEN_MS = 5_000;

/**
 * The operator behind an `Authorization: Bearer …` value, for every edge that takes console tokens
 * (hatch's auditor API, the vault's metadata API). The console knows the tokens; it is asked by the
 * token's SHA-256 (the token itself never crosses the bus) and its answer is trusted for `cacheMs`,
 * which is also how long a revoked token may still be used. What the holder may do is the caller's
 * business (roles differ per edge).
 */
export class ConsoleTokenCache {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly directory: OperatorDirectory,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async holder(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    return this.holderOfHash(
      token === undefined ? undefined : createHash('sha256').update(token, 'utf8').digest('hex'),
    );
  }

  /** The same, for a caller that names its token by SHA-256 (hex) only, as NATS requests do. */
  async holderOfHash(sha256: string | undefined): Promise<AuthenticatedOperator> {
    const operator = sha256 && /^[0-9a-f]{64}$/.test(sha256) ? await this.lookUp(sha256) : null;
    if (!operator) throw new HearthError(ErrorCode.Unauthenticated, 'a valid operator token is required');
    return operator;
  }

  private async lookUp(sha256: string): Promise<AuthenticatedOperator | null> {
    const now = this.now();
    const cached = this.cache.get(sha256);
    if (cached && cached.until > now) return cached.operator;
    const operator = await this.directory.authenticate(sha256);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(sha256, {
      operator,
      until: now + (operator ? this.cacheMs : Math.min(this.cacheMs, UNKNOWN_TOKEN_MS)),
    });
    return operator;
  }
}
