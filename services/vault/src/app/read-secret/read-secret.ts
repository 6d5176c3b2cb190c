import {
  ErrorCode,
  HearthError,
  sealTo,
  type AuditOutcome,
  type SealedSecret,
  type SecretReadRequest,
} from '@hearth/contracts';
import { currentTraceId } from '@hearth/platform';
import { mayAccess } from '../../domain/policy/policy.js';
import { secretRead } from '../../domain/read.js';
import type { Envelope } from '../../infra/crypto/envelope.js';
import type { ReadLedger } from '../../infra/postgres/read-ledger.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import { hatchMessageOf, type AuditTrail } from '../audit-trail.js';
import type { CallerIdentity, SignedRequest } from '../caller-identity.js';
import type { Clock, Ids } from '../ports.js';

/**
 * The audited read: verify → authorise → decrypt → commit the read event (with the request's nonce,
 * so a replay cannot be recorded twice) → only then seal the value to the caller's key. No commit,
 * no value. Denied, missing and expired reads are recorded too, without a value.
 */
export class ReadSecret {
  constructor(
    private readonly identity: CallerIdentity,
    private readonly secrets: Pick<SecretStore, 'findVersion'>,
    private readonly envelope: Pick<Envelope, 'open'>,
    private readonly ledger: Pick<ReadLedger, 'record'>,
    private readonly audit: Pick<AuditTrail, 'envelopeOf' | 'recordAlone'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async run(request: SecretReadRequest, signed: SignedRequest): Promise<SealedSecret> {
    // Independent I/O of one request starts together: the caller's key and rules, and the row.
    const [caller, stored] = await Promise.all([
      this.identity.identify(signed),
      this.secrets.findVersion(request.path, request.version),
    ]);
    const actor = caller.principal.name;
    const read = { actor, path: request.path, requestId: this.ids.next(), traceId: currentTraceId() };
    const refuse = async (outcome: AuditOutcome, error: HearthError, version: number | null = null): Promise<never> => {
      await this.audit.recordAlone(secretRead(read, version, outcome, error.code), actor);
      throw error;
    };

    try {
      this.identity.assertFresh(caller);
    } catch (error) {
      return refuse('DENIED', error as HearthError);
    }
    if (!mayAccess(caller.principal.rules, request.path, 'read')) {
      return refuse('DENIED', new HearthError(ErrorCode.PolicyDenied, `${actor} may not read ${request.path}`));
    }
    if (!stored || stored.deleted || stored.destroyed || !stored.sealed) {
      return refuse(
        'NOT_FOUND',
        new HearthError(ErrorCode.SecretNotFound, `nothing to read at ${request.path}`),
        stored?.version ?? null,
      );
    }
    if (stored.expiresAt && stored.expiresAt.getTime() <= this.clock.now().getTime()) {
      return refuse('EXPIRED', new HearthError(ErrorCode.SecretExpired, `${request.path} has expired`), stored.version);
    }

    const plaintext = this.envelope.open(stored.sealed, { path: request.path, version: stored.version });
    try {
      const event = this.audit.envelopeOf(secretRead(read, stored.version, 'OK'), actor);
      try {
        await this.ledger.record(caller.nonce, event, hatchMessageOf(event));
      } catch (error) {
        if (error instanceof HearthError && error.code === ErrorCode.ReplayedNonce)
          return await refuse('DENIED', error);
        throw new HearthError(ErrorCode.ReadNotRecorded, 'the read could not be recorded, so no value is returned');
      }
      const sealed = sealTo(caller.principal.publicKey, plaintext);
      return {
        path: request.path,
        version: stored.version,
        sealed: Buffer.from(sealed).toString('base64'),
        read_event_id: event.id,
      };
    } finally {
      plaintext.fill(0);
    }
  }
}
