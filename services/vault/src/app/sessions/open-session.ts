import {
  deriveSessionKeys,
  ephemeralKey,
  ErrorCode,
  HearthError,
  parseRequest,
  SessionOpenRequest,
  type SessionOpened,
} from '@hearth/contracts';
import type { Clock, Ids } from '@hearth/platform/ports';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import { SESSION_KEYS_FORMAT, sessionKeysRef, type LiveSession, type SessionDirectory } from '../admission/sessions.js';
import type { AuditTrail } from '../audit-trail.js';
import type { Cipher, SessionRecords } from '../ports.js';

/** Any known principal opens sessions for itself; a refusal is recorded against `read`, what sessions are for. */
const open: AdmissionRule<SessionOpenRequest> = {
  capability: 'read',
  parse: (payload) => parseRequest(SessionOpenRequest, payload),
  path: () => null,
};

export interface SessionSettings {
  ttlMs: number;
  /** Live sessions one principal may hold at once: a caller opening sessions in a loop is refused, not stored. */
  perPrincipal: number;
}

/**
 * Opens a session with one signed handshake: the vault's own ephemeral X25519 key meets the
 * caller's, both sides derive the session's keys (deriveSessionKeys), and the vault's ephemeral
 * secret is dropped with this call. The keys are kept sealed under the KEK ring — any vault process
 * serves the session — and the opening is recorded (SessionOpenedV1, never a key) in the same
 * transaction as the request's nonce.
 */
export class OpenSession {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly records: Pick<SessionRecords, 'live' | 'insert'>,
    private readonly directory: Pick<SessionDirectory, 'opened'>,
    private readonly cipher: Pick<Cipher, 'seal'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly ids: Ids,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
  ) {}

  async run(signed: SignedRequest): Promise<SessionOpened> {
    const { opened, session } = await this.admission.run(signed, open, async (tx, caller, { client_key }) => {
      if (caller.session !== null) {
        throw new HearthError(ErrorCode.Unsigned, 'a session is opened by a request signed with the principal key');
      }
      const { name: principal, publicKey: principalKey } = caller.principal;
      const now = this.clock.now();
      if ((await this.records.live(tx, principal, now)) >= this.settings.perPrincipal) {
        throw new HearthError(
          ErrorCode.SessionLimit,
          `${principal} holds ${this.settings.perPrincipal} live sessions: use one, or let one expire`,
        );
      }
      const id = this.ids.next();
      const own = ephemeralKey();
      let keys;
      try {
        keys = deriveSessionKeys(own.privateKey, client_key, {
          sessionId: id,
          principal,
          clientKey: client_key,
          vaultKey: own.publicKey,
        });
      } catch {
        throw new HearthError(ErrorCode.InvalidRequest, 'client_key is no usable X25519 public key');
      }
      const expiresAt = new Date(now.getTime() + this.settings.ttlMs);
      const plain = Buffer.concat([keys.mac, keys.reply]);
      try {
        const sealed = this.cipher.seal(plain, sessionKeysRef(id), SESSION_KEYS_FORMAT);
        await this.records.insert(tx, { id, principal, principalKey, sealed, expiresAt });
      } finally {
        plain.fill(0);
      }
      const expires_at = expiresAt.toISOString();
      await this.audit.record(tx, { type: 'SessionOpenedV1', data: { session_id: id, expires_at } }, principal);
      const session: LiveSession = { id, principal, principalKey, keys, expiresAt: expiresAt.getTime() };
      return { opened: { session_id: id, vault_key: own.publicKey, expires_at }, session };
    });
    this.directory.opened(session);
    return opened;
  }
}
