import {
  AuthenticatedOperator,
  ErrorCode,
  HearthError,
  serviceErrorOf,
  Subjects,
  type TokenAuthenticateRequest,
} from '@hearth/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { OperatorDirectory } from '../../app/ports.js';

/**
 * Asks the console who holds a token (`console.token.authenticate`); only the hash is sent. The
 * same as hatch's ConsoleDirectory: both belong in packages/platform.
 */
export class ConsoleDirectory implements OperatorDirectory {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 3_000,
  ) {}

  async authenticate(tokenSha256: string): Promise<AuthenticatedOperator | null> {
    const request: TokenAuthenticateRequest = { token_sha256: tokenSha256 };
    let reply;
    try {
      reply = await this.nc.request(Subjects.tokenAuthenticate, JSON.stringify(request), { timeout: this.timeoutMs });
    } catch {
      throw new HearthError(ErrorCode.Unavailable, 'the console did not answer; tokens cannot be checked');
    }
    const error = serviceErrorOf(reply.headers);
    if (error) throw new HearthError(ErrorCode.Unavailable, `the console could not check the token: ${error.code}`);
    const body: unknown = reply.json();
    return body === null ? null : AuthenticatedOperator.parse(body);
  }
}
