import { Subjects, TokenAuthenticateRequest, type AuthenticatedOperator } from '@hearth/contracts';
import { respondSigned, sharedServiceKeys } from '@hearth/testkit';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';

/**
 * Answers `console.token.authenticate` on the test's NATS as the console would (signed with the shared console key), from `holders`
 * (token → who holds it): a test revokes a token or changes a role by changing the map.
 */
export function answerTokenChecks(nc: NatsConnection, holders: Map<string, AuthenticatedOperator>): Subscription {
  return nc.subscribe(Subjects.tokenAuthenticate, {
    callback: (error, msg) => {
      if (error) return;
      const { token_sha256 } = TokenAuthenticateRequest.parse(msg.json());
      const holder = [...holders].find(([token]) => sha256(token) === token_sha256)?.[1] ?? null;
      respondSigned(msg, Subjects.tokenAuthenticate, holder, sharedServiceKeys().signer('console'));
    },
  });
}

export function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
