import { ErrorCode, HearthError, parseRequest, SessionCreate, type Session } from '@hearth/contracts';
import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { CookieOptions, Response } from 'express';
import { OperatorSessions } from '../../app/operator-sessions/operator-sessions.js';
import { assertSameOrigin, overTls, SESSION_COOKIE, sessionSecretOf, type ConsoleRequest } from './caller.js';

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure whenever TLS carried it. */
const cookieOptions = (request: ConsoleRequest): CookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  path: '/',
  secure: overTls(request),
});

const signedOut = () => new HearthError(ErrorCode.Unauthenticated, 'no session: sign in');

/**
 * The web console's browser session: an operator token exchanged for a cookie, and given back. Not in
 * the OpenAPI document: it is the browser's way in, the CLI's is its bearer token.
 */
@Controller('v1/session')
export class SessionController {
  constructor(private readonly sessions: OperatorSessions) {}

  @Post()
  async signIn(
    @Body() body: unknown,
    @Req() request: ConsoleRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Session> {
    assertSameOrigin(request);
    // JSON only: a form another site posts (which needs no preflight) is no sign-in.
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      throw new HearthError(ErrorCode.InvalidRequest, 'sign in with a JSON body: {"token": "…"}');
    }
    const { secret, session } = await this.sessions.signIn(parseRequest(SessionCreate, body), request.ip ?? 'unknown');
    response.cookie(SESSION_COOKIE, secret, cookieOptions(request));
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
    assertSameOrigin(request);
    await this.sessions.signOut(secret, request.headers['x-csrf-token']);
    response.clearCookie(SESSION_COOKIE, cookieOptions(request));
  }
}
