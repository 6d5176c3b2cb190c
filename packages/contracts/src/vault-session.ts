import {
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';
import { signingPayload, SignatureHeaders, strictBase64 } from './vault-crypto.js';

/**
 * Vault sessions, for callers that read often. One signed request (`vault.session.open`) carries
 * the caller's ephemeral X25519 key; the vault answers with its own, and both derive the session's
 * two keys from the agreement with HKDF-SHA256, bound to the session id, the principal and both
 * ephemeral keys. The ephemeral secrets are dropped at once, so a session is forward secret: the
 * principal's ed25519 key, stolen later, opens none of its replies. Within the session a request
 * carries an HMAC-SHA256 over subject, timestamp, nonce and the body's hash (the signed payload of
 * the per-request mode) instead of a signature, and a value comes back sealed with XChaCha20-Poly1305
 * under the reply key, bound to the session and the request's nonce, instead of crypto_box_seal.
 */

export const SessionHeaders = {
  ...SignatureHeaders,
  session: 'Hearth-Session',
  mac: 'Hearth-Mac',
} as const;

/** How long a session lives unless the vault is told otherwise. */
export const SESSION_TTL_MS = 15 * 60_000;

const KEY_BYTES = 32;
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const KDF_INFO = 'hearth-vault-session-v1';
const REPLY_CONTEXT = 'hearth-vault-session-reply-v1';

const RawKey = z.base64().refine((text) => strictBase64(text, KEY_BYTES) !== null, 'an X25519 key is 32 bytes, base64');

export const SessionOpenRequest = z.object({ client_key: RawKey }).strict();
export type SessionOpenRequest = z.infer<typeof SessionOpenRequest>;

export const SessionOpened = z
  .object({ session_id: z.uuid(), vault_key: RawKey, expires_at: z.iso.datetime() })
  .strict();
export type SessionOpened = z.infer<typeof SessionOpened>;

/** The two keys of a session: requests are MACed with `mac`, replies sealed with `reply`. */
export interface SessionKeys {
  mac: Buffer;
  reply: Buffer;
}

/** One side's ephemeral X25519 key pair: the public half travels, the secret one is used once. */
export interface EphemeralKey {
  publicKey: string;
  privateKey: KeyObject;
}

export function ephemeralKey(): EphemeralKey {
  const pair = generateKeyPairSync('x25519');
  const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length);
  return { publicKey: raw.toString('base64'), privateKey: pair.privateKey };
}

/** What both sides agree on: the session's keys, from `own`'s secret and the other side's public key. */
export interface Agreement {
  sessionId: string;
  principal: string;
  clientKey: string;
  vaultKey: string;
}

/**
 * The session's keys: HKDF-SHA256 of the X25519 agreement, salted with the session id and bound to
 * the principal and both public keys, so a key agreed for one principal or session is no other's.
 */
export function deriveSessionKeys(own: KeyObject, theirs: string, agreement: Agreement): SessionKeys {
  const raw = strictBase64(theirs, KEY_BYTES);
  if (!raw) throw new Error('an X25519 key is 32 bytes, base64');
  const shared = diffieHellman({
    privateKey: own,
    publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, raw]), format: 'der', type: 'spki' }),
  });
  // An all-zero agreement means a small-order public key: nothing secret was agreed.
  if (shared.every((byte) => byte === 0)) throw new Error('the X25519 agreement is degenerate');
  try {
    const info = [KDF_INFO, agreement.principal, agreement.clientKey, agreement.vaultKey].join('\n');
    const okm = Buffer.from(hkdfSync('sha256', shared, agreement.sessionId, info, 2 * KEY_BYTES));
    return { mac: okm.subarray(0, KEY_BYTES), reply: okm.subarray(KEY_BYTES) };
  } finally {
    shared.fill(0);
  }
}

/** The MAC of a request within a session: HMAC-SHA256 over what the per-request mode signs. */
export function sessionMac(mac: Buffer, subject: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return createHmac('sha256', mac)
    .update(signingPayload(subject, timestamp, nonce, body))
    .digest('base64');
}

/** True when `given` is the request's MAC under `mac`; false (never a throw) on any malformed input. */
export function verifySessionMac(
  mac: Buffer,
  subject: string,
  timestamp: string,
  nonce: string,
  body: Uint8Array,
  given: string,
): boolean {
  const raw = strictBase64(given, KEY_BYTES);
  if (!raw) return false;
  const expected = createHmac('sha256', mac)
    .update(signingPayload(subject, timestamp, nonce, body))
    .digest();
  return timingSafeEqual(raw, expected);
}

/** Headers that authenticate a request within `session` as `actor`. */
export function sessionHeaders(
  session: { id: string; keys: SessionKeys },
  subject: string,
  body: Uint8Array,
  actor: string,
  now: number = Date.now(),
  nonce: string = randomBytes(16).toString('base64url'),
): Record<string, string> {
  const timestamp = String(now);
  return {
    [SessionHeaders.session]: session.id,
    [SessionHeaders.actor]: actor,
    [SessionHeaders.timestamp]: timestamp,
    [SessionHeaders.nonce]: nonce,
    [SessionHeaders.mac]: sessionMac(session.keys.mac, subject, timestamp, nonce, body),
  };
}

/** What a sealed reply is bound to: its session and the request it answers, so it opens for nothing else. */
function replyContext(sessionId: string, nonce: string): Uint8Array {
  return Buffer.from(`${REPLY_CONTEXT}\n${sessionId}\n${nonce}`, 'utf8');
}

/** nonce (24 random bytes) ‖ XChaCha20-Poly1305 of `plaintext` under the session's reply key. */
export function sealForSession(
  reply: Buffer,
  sessionId: string,
  requestNonce: string,
  plaintext: Uint8Array,
): Uint8Array {
  const nonce = randomBytes(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const box = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    replyContext(sessionId, requestNonce),
    null,
    nonce,
    reply,
  );
  return Buffer.concat([nonce, box]);
}

/** Opens what `sealForSession` sealed for this session and request; throws `cannot open sealed reply` otherwise. */
export function openFromSession(
  reply: Buffer,
  sessionId: string,
  requestNonce: string,
  sealed: Uint8Array,
): Uint8Array {
  const npub = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(npub),
      replyContext(sessionId, requestNonce),
      sealed.subarray(0, npub),
      reply,
    );
  } catch {
    throw new Error('cannot open sealed reply');
  }
}
