import { ErrorCode, HearthError, type Capability, type EventBody, type VaultEvent } from '@hearth/contracts';
import type { UnitOfWork } from '@hearth/platform/ports';
import { createHash } from 'node:crypto';
import type { AuditTrail } from '../audit-trail.js';
import type { Nonces } from '../ports.js';
import type { Caller } from './caller-identity.js';

/** Whether a failure is a refusal of the request (recorded), not the vault failing (logged, not an event). */
export function isRefusal(error: unknown): error is HearthError {
  return error instanceof HearthError && error.kind !== 'internal' && error.kind !== 'unavailable';
}

/** A refusal on its way to the record: the request as far as it is known, and what its caller is answered. */
export interface Refusal {
  actor: string;
  nonce: string;
  capability: Capability;
  path: string;
  /** The refusal itself, or VAULT.REPLAYED_NONCE when the request was seen before. */
  answer: HearthError;
  /** What refused the request the first time it was seen; null when it is known only as a replay. */
  cause: HearthError | null;
  /** The id its (first) event is recorded under, for the others it records to point at. */
  id: string;
}

/** What a refusal is recorded as: one event, or several (the first the refusal itself, the rest pointing at it). */
export type RefusalRecord = EventBody<VaultEvent> | readonly EventBody<VaultEvent>[];

/** What a request was refused for: a coded refusal, or `replay` when its nonce was already kept. */
export type RefusalCause = HearthError | 'replay';

/**
 * Records the refusal of a request whose signer is known, in a transaction of its own, burning its
 * nonce: replayed, a refused request is a replay, and since the event id derives from signer, nonce and
 * answer it is recorded once however often it comes. The one place a request becomes a replay.
 */
export class Refusals {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly audit: Pick<AuditTrail, 'recordOnce'>,
  ) {}

  /** Records the refusal and throws what the caller is answered. */
  async refuse(
    request: { caller: Caller; capability: Capability; path: string },
    cause: RefusalCause,
    eventOf: (refusal: Refusal) => RefusalRecord,
  ): Promise<never> {
    const { caller, capability, path } = request;
    const actor = caller.principal.name;
    const answer = await this.unitOfWork.run(async (tx) => {
      // Only the principal's own request burns its nonce: one that merely names its session does not.
      const replay =
        cause === 'replay' || (caller.authenticated && !(await this.nonces.remember(tx, actor, caller.nonce)));
      const answer = replay ? new HearthError(ErrorCode.ReplayedNonce, 'this request was seen before') : cause;
      // A request that only names a session proves nothing but the id, which is no secret (it is on the
      // record): it is recorded once per session and answer, so a forger cannot flood the owner's record.
      const seen = caller.authenticated
        ? { domain: 'vault-refusal', of: caller.nonce }
        : { domain: 'vault-session-refusal', of: caller.session ?? '' };
      const id = refusalId(seen, actor, answer.code);
      const refusal = {
        actor,
        nonce: caller.nonce,
        capability,
        path,
        answer,
        cause: cause === 'replay' ? null : cause,
        id,
      };
      const events = ([] as EventBody<VaultEvent>[]).concat(eventOf(refusal));
      for (const [i, event] of events.entries()) {
        await this.audit.recordOnce(tx, event, actor, i === 0 ? id : refusalId(seen, actor, `${answer.code}#${i}`));
      }
      return answer;
    });
    throw answer;
  }
}

/**
 * A UUID (version 8, name-based) of signer, what was seen (a nonce, or a session whose name alone came,
 * each under a domain of its own so neither can pose as the other) and reason: the same refusal
 * always gets the same id.
 */
function refusalId(seen: { domain: string; of: string }, actor: string, reason: string): string {
  const hash = createHash('sha256').update(`${seen.domain}\n${actor}\n${seen.of}\n${reason}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
