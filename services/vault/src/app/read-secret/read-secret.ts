import {
  ErrorCode,
  HearthError,
  isEngineCredentialPath,
  parseRequest,
  SecretReadRequest,
  type SealedSecret,
  type SecretReadV1,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import { mayReadAutoManaged } from '../../domain/policy/policy.js';
import { refusedReadEvent, secretReadEvent } from '../../domain/read.js';
import { NonceSeen, type Admission, type AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import { describeFailure } from '../failure-cause.js';
import type { Cipher, FailureLog, ReadRecorder, SecretVersions } from '../ports.js';

/** A read refused by what it found: the version it met, if any, goes on the record. */
class UnreadableVersion extends HearthError {
  constructor(
    code: typeof ErrorCode.SecretNotFound | typeof ErrorCode.SecretExpired | typeof ErrorCode.CredentialInactive,
    message: string,
    readonly version: number | null,
  ) {
    super(code, message);
  }
}

/** Refused reads are recorded as SecretReadV1 (outcome DENIED, NOT_FOUND, INACTIVE or EXPIRED), not AccessDeniedV1. */
const read: AdmissionRule<SecretReadRequest> = {
  capability: 'read',
  parse: (payload) => parseRequest(SecretReadRequest, payload),
  path: (request) => request.path,
  refusalEvent: ({ actor, nonce, path, answer, cause }) =>
    refusedReadEvent({ actor, path, nonce }, cause instanceof UnreadableVersion ? cause.version : null, answer.code),
};

/**
 * The audited read: admitted by the one gate → find the version → decrypt → commit the read event
 * with the request's nonce, in one statement → only then seal the value to the caller's key. No
 * commit, no value; the plaintext is zeroed whatever happens.
 */
export class ReadSecret {
  constructor(
    private readonly admission: Pick<Admission, 'runKeepingNonce'>,
    private readonly versions: SecretVersions,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly reads: ReadRecorder,
    private readonly audit: Pick<AuditTrail, 'envelopeOf'>,
    private readonly log: FailureLog,
    private readonly clock: Clock,
  ) {}

  run(signed: SignedRequest): Promise<SealedSecret> {
    return this.admission.runKeepingNonce(signed, read, async (caller, { path, version: asked }) => {
      // An engine's root credential is read by the vault's dynamic-credential machinery alone, never by a principal.
      if (isEngineCredentialPath(path)) {
        throw new HearthError(
          ErrorCode.EngineCredential,
          `${path} is an engine's root credential: no principal reads it`,
        );
      }
      const stored = await this.versions.findForRead(path, asked);
      // Operators and root never see a generated value, of any version: only a principal granted its workspace.
      if (stored?.provider === 'AUTO_MANAGED' && !mayReadAutoManaged(caller.principal.rules, path)) {
        throw new HearthError(
          ErrorCode.AutoManagedValue,
          `${path} is auto-managed: only a principal granted its workspace reads it`,
        );
      }
      if (!stored || stored.deleted || stored.destroyed || !stored.sealed) {
        throw new UnreadableVersion(ErrorCode.SecretNotFound, `nothing to read at ${path}`, stored?.version ?? null);
      }
      if (!stored.active) {
        throw new UnreadableVersion(
          ErrorCode.CredentialInactive,
          `${path} is deactivated: activate it before it is read`,
          stored.version,
        );
      }
      if (stored.expiresAt && stored.expiresAt.getTime() <= this.clock.now().getTime()) {
        throw new UnreadableVersion(ErrorCode.SecretExpired, `${path} has expired`, stored.version);
      }
      const { version } = stored;
      const actor = caller.principal.name;
      const plaintext = this.cipher.open(stored.sealed, { path, version });
      try {
        const event = this.audit.envelopeOf(
          secretReadEvent({ actor, path, nonce: caller.nonce }, version, 'OK'),
          actor,
        );
        if (!(await this.commit(actor, caller.nonce, event))) throw new NonceSeen();
        const sealed = caller.seal(plaintext);
        return { path, version, sealed: Buffer.from(sealed).toString('base64'), read_event_id: event.id };
      } finally {
        plaintext.fill(0);
      }
    });
  }

  /** The commit point; a failure's cause is for operators (a database gone), the caller learns only the code. */
  private async commit(actor: string, nonce: string, event: SecretReadV1): Promise<boolean> {
    try {
      return await this.reads.record(actor, nonce, event);
    } catch (error) {
      this.log.error(
        { cause: describeFailure(error), path: event.data.path, read_event_id: event.id },
        'a read could not be recorded; no value was returned',
      );
      throw new HearthError(ErrorCode.ReadNotRecorded, 'the read could not be recorded, so no value is returned');
    }
  }
}
