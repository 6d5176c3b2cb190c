import {
  ErrorCode,
  HearthError,
  parseRequest,
  sealTo,
  SecretReadRequest,
  type AuditOutcome,
  type SealedSecret,
} from '@hearth/contracts';
import { currentTraceId } from '@hearth/platform/telemetry';
import { claimedPath } from '../../domain/access.js';
import { mayAccess } from '../../domain/policy/policy.js';
import { secretRead } from '../../domain/read.js';
import type { Envelope } from '../../infra/crypto/envelope.js';
import type { ReadLedger } from '../../infra/postgres/read-ledger.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import { hatchMessageOf, type AuditTrail } from '../audit-trail.js';
import type { CallerIdentity, SignedRequest } from '../caller-identity.js';
import type { FailureLog } from '../ports.js';
import type { Clock, Ids } from '@hearth/platform/ports';
import { isRefusal, type Refusals } from '../refusals.js';

/**
 * The audited read: verify the signature (on the bytes as signed) → validate → authorise → decrypt
 * → commit the read event (with the request's nonce, so a replay cannot be recorded twice) → only
 * then seal the value to the caller's key. No commit, no value. Once the signer is known, every
 * refusal is recorded too — malformed path, stale, denied (outcome DENIED), missing (NOT_FOUND),
 * expired (EXPIRED) — without a value.
 */
export class ReadSecret {
  constructor(
    private readonly identity: CallerIdentity,
    private readonly secrets: Pick<SecretStore, 'findVersion'>,
    private readonly envelope: Pick<Envelope, 'open'>,
    private readonly ledger: Pick<ReadLedger, 'record'>,
    private readonly audit: Pick<AuditTrail, 'envelopeOf'>,
    private readonly refusals: Pick<Refusals, 'refuse'>,
    private readonly log: FailureLog,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async run(signed: SignedRequest): Promise<SealedSecret> {
    const caller = await this.identity.identify(signed);
    const actor = caller.principal.name;
    const read = { actor, path: claimedPath(signed.payload), requestId: this.ids.next(), traceId: currentTraceId() };
    const refuse = (outcome: AuditOutcome, error: HearthError, version: number | null = null): Promise<never> =>
      this.refusals.refuse(caller, error, (answer) =>
        secretRead(read, version, answer === error ? outcome : 'DENIED', answer.code),
      );

    let request: SecretReadRequest;
    try {
      this.identity.assertFresh(caller);
      request = parseRequest(SecretReadRequest, signed.payload);
    } catch (error) {
      if (isRefusal(error)) return refuse('DENIED', error);
      throw error;
    }
    read.path = request.path;
    if (!mayAccess(caller.principal.rules, request.path, 'read')) {
      return refuse('DENIED', new HearthError(ErrorCode.PolicyDenied, `${actor} may not read ${request.path}`));
    }
    const stored = await this.secrets.findVersion(request.path, request.version);
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
        // The cause is for operators (a database gone, a connection killed); the caller learns only the code.
        this.log.error(
          { cause: describeFailure(error), path: request.path, read_event_id: event.id },
          'a read could not be recorded; no value was returned',
        );
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

/**
 * A database failure as far as it can be logged: its kind, SQLSTATE and message. The statement's
 * parameters hold no value (only the nonce, the event and its outbox row), and none are logged.
 */
function describeFailure(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
}
