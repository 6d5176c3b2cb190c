import { ErrorCode, HearthError } from '@hearth/contracts';
import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { OperatorAccess } from '../../app/operator-access/operator-access.js';
import { OperatorSessions } from '../../app/operator-sessions/operator-sessions.js';
import type { OperatorToken } from '../../domain/operator/operator.js';

/** The web console's session cookie. */
export const SESSION_COOKIE = 'hearth_session';

/** The little of Express's request the guard and the session routes read. */
export interface ConsoleRequest {
  method: string;
  protocol: string;
  /** The client's address (express: the socket's, as no proxy is trusted). */
  ip?: string;
  headers: Record<string, string | undefined>;
  caller?: OperatorToken;
  /** What the caller authenticated with, as a bearer token: its own, or its session's secret. */
  credential?: { kind: 'bearer' | 'session'; secret: string };
}

/** The session secret of the request's cookie, if it has one. */
export function sessionSecretOf(request: Pick<ConsoleRequest, 'headers'>): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === SESSION_COOKIE && value.length > 0) return value.join('=') || undefined;
  }
  return undefined;
}

/** Whether the request came over TLS, at the console or at a proxy in front of it. */
function overTls(request: Pick<ConsoleRequest, 'protocol' | 'headers'>): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/**
 * Where the browser finds the web console. Configured (CONSOLE_PUBLIC_ORIGIN), it is that, whatever
 * Host and scheme a proxy in front hands on; else the request's own scheme and Host.
 */
export class WebOrigin {
  constructor(private readonly configured: string | null) {}

  /** The origin a cookie write must come from. */
  expected(request: Pick<ConsoleRequest, 'protocol' | 'headers'>): string {
    return this.configured ?? `${overTls(request) ? 'https' : 'http'}://${request.headers.host ?? ''}`;
  }

  /** Whether the cookie is Secure: the origin is https. */
  secure(request: Pick<ConsoleRequest, 'protocol' | 'headers'>): boolean {
    return this.expected(request).startsWith('https://');
  }

  /**
   * A cookie-authenticated request the browser says another site's page made (Fetch Metadata:
   * `same-site` or `cross-site`) is refused, reads included: SameSite=Strict still lets a page of a
   * sibling subdomain send the cookie, and its reads could take the token's live-stream places.
   */
  assertOwnPage(request: Pick<ConsoleRequest, 'headers'>): void {
    const site = request.headers['sec-fetch-site'];
    if (site === 'same-site' || site === 'cross-site') {
      throw new HearthError(ErrorCode.CsrfRefused, "a request from another site's page is refused");
    }
  }

  /**
   * A cookie-authenticated write must come from the console's own pages: an Origin, when the browser
   * sends one, must be this console's.
   */
  assertSameOrigin(request: Pick<ConsoleRequest, 'protocol' | 'headers'>): void {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== this.expected(request)) {
      throw new HearthError(ErrorCode.CsrfRefused, 'a write from another origin is refused');
    }
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every /v1 route but the OpenAPI document and signing in needs a caller: an `Authorization: Bearer`
 * token (the CLI; it wins when both are sent), or the web console's session cookie, on no request
 * another site's page made, and on writes only with the session's X-CSRF-Token and from this origin
 * (WebOrigin). What the caller may do is the use case's call.
 */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly access: OperatorAccess,
    private readonly sessions: OperatorSessions,
    @Inject(WebOrigin) private readonly origin: WebOrigin,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const { authorization } = request.headers;
    const secret = sessionSecretOf(request);
    if (authorization !== undefined || secret === undefined) {
      request.caller = await this.access.authenticate(authorization);
      request.credential = { kind: 'bearer', secret: /^Bearer (\S+)$/.exec(authorization!)![1]! };
      return true;
    }
    this.origin.assertOwnPage(request);
    const write = !READS.has(request.method);
    if (write) this.origin.assertSameOrigin(request);
    const { caller } = await this.sessions.resolve(
      secret,
      write ? { csrfToken: request.headers['x-csrf-token'] } : undefined,
    );
    request.caller = caller;
    request.credential = { kind: 'session', secret };
    return true;
  }
}

export const Caller = createParamDecorator(
  (_: unknown, context: ExecutionContext): OperatorToken => context.switchToHttp().getRequest<ConsoleRequest>().caller!,
);

/** What the caller authenticated with, to forward as its bearer token (the read proxy) or re-check (live streams). */
export const Credential = createParamDecorator(
  (_: unknown, context: ExecutionContext): NonNullable<ConsoleRequest['credential']> =>
    context.switchToHttp().getRequest<ConsoleRequest>().credential!,
);
