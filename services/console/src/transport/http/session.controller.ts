import { ErrorCode, HearthError, parseRequest, SessionCreate, type Session } from '@hearth/contracts';
import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { CookieOptions, Response } from 'express';
import { OperatorSessions } from '../../app/operator-sessions/operator-sessions.js';
import { SESSION_COOKIE, sessionSecretOf, WebOrigin, type ConsoleRequest } from './caller.js';

const signedOut = () => new HearthError(ErrorCode.Unauthenticated, 'no session: sign in');

/**
 * The web console's browser session: an operator token exchanged for a cookie, and given back. Not in
 * the OpenAPI document: it is the browser's way in, the CLI's is its bearer token.
 */
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly sessions: OperatorSessions,
    @Inject(WebOrigin) private readonly origin: WebOrigin,
  ) {}

  @Post()
  async signIn(
    @Body() body: unknown,
    @Req() request: ConsoleRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Session> {
    this.origin.assertSameOrigin(request);
    // JSON only: a form another site posts (which needs no preflight) is no sign-in.
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      throw new HearthError(ErrorCode.InvalidRequest, 'sign in with a JSON body: {"token": "…"}');
    }
    const { secret, session } = await this.sessions.signIn(parseRequest(SessionCreate, body), request.ip ?? 'unknown');
    response.cookie(SESSION_COOKIE, secret, this.cookieOptions(request));
    return session;
  }

  @Get()
  async current(@Req() request: ConsoleRequest): Promise<Session> {
    const secret = sessionSecretOf(request);
    if (secret === undefined) throw signedOut();
    return (await this.sessions.resolve(secret)).session;
  }

  @Delete()
  @HttpCode(204)
  async signOut(@Req() request: ConsoleRequest, @Res({ passthrough: true }) response: Response): Promise<void> {
    const secret = sessionSecretOf(request);
    if (secret === undefined) throw signedOut();
    this.origin.assertSameOrigin(request);
    await this.sessions.signOut(secret, request.headers['x-csrf-token']);
    response.clearCookie(SESSION_COOKIE, this.cookieOptions(request));
  }

  /** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure on an https origin. */
  private cookieOptions(request: ConsoleRequest): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', path: '/', secure: this.origin.secure(request) };
  }
}
