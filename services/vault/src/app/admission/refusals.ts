import type { UnitOfWork } from '@hearth/platform/ports';
import { ErrorCode, HearthError } from '@hearth/contracts';
import { createHash } from 'node:crypto';
import type { Nonces } from '../infra/postgres/nonces.js';
import type { AuditedEvent, AuditTrail } from './audit-trail.js';
import type { Caller } from './caller-identity.js';

/** Whether a failure is a refusal of the request (recorded), not the vault failing (logged, not an event). */
export function isRefusal(error: unknown): error is HearthError {
  return error instanceof HearthError && error.kind !== 'internal' && error.kind !== 'unavailable';
}

/**
 * Records the refusal of a request whose signer is known, in a transaction of its own since the
 * request itself fails. The request's nonce is burnt in that transaction, so a captured refused
 * request replayed within the freshness window is a replay, not a new attempt to judge; and the
 * event id is derived from signer, nonce and reason, so however often one request is replayed it
 * leaves one event per reason, not a flood.
 */
export class Refusals {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly nonces: Pick<Nonces, 'burn'>,
    private readonly audit: Pick<AuditTrail, 'recordOnce'>,
  ) {}

  /** Records `error` (or, when the nonce was seen before, the replay) and throws what the caller is answered. */
  async refuse(caller: Caller, error: HearthError, eventOf: (answer: HearthError) => AuditedEvent): Promise<never> {
    const actor = caller.principal.name;
    const answer = await this.unitOfWork.run(async (tx) => {
      const fresh = await this.nonces.burn(tx, caller.nonce);
      const refused = fresh ? error : new HearthError(ErrorCode.ReplayedNonce, 'this request was seen before');
      await this.audit.recordOnce(tx, eventOf(refused), actor, refusalId(actor, caller.nonce, refused.code));
      return refused;
    });
    throw answer;
  }
}

/** A UUID (version 8, name-based) of signer, nonce and reason: the same refusal always gets the same id. */
function refusalId(actor: string, nonce: string, reason: string): string {
  const hash = createHash('sha256').update(`vault-refusal\n${actor}\n${nonce}\n${reason}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
