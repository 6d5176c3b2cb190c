import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import sodium from 'libsodium-wrappers';

/**
 * The caller's side of the vault's identity and sealing. Requests are signed with ed25519 (node's
 * native implementation: the same signatures as libsodium's, measured faster here); replies are
 * sealed with libsodium's crypto_box_seal to the X25519 form of the caller's ed25519 key.
 */

let ready: Promise<void> | null = null;

/** Loads libsodium's WebAssembly once; every function below needs it. */
export function cryptoReady(): Promise<void> {
  return (ready ??= sodium.ready);
}

/** A principal's ed25519 key pair, base64: `secretKey` is libsodium's 64-byte form (seed ‖ public key). */
export interface PrincipalKeys {
  publicKey: string;
  secretKey: string;
}

export function generatePrincipalKeys(): PrincipalKeys {
  const pair = sodium.crypto_sign_keypair();
  return {
    publicKey: Buffer.from(pair.publicKey).toString('base64'),
    secretKey: Buffer.from(pair.privateKey).toString('base64'),
  };
}

export const SignatureHeaders = {
  actor: 'Hearth-Actor',
  timestamp: 'Hearth-Timestamp',
  nonce: 'Hearth-Nonce',
  signature: 'Hearth-Signature',
} as const;

/** What is signed: subject, timestamp, nonce and the SHA-256 of the body, newline separated. */
export function signingPayload(subject: string, timestamp: string, nonce: string, body: Uint8Array): Uint8Array {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return Buffer.from(`${subject}\n${timestamp}\n${nonce}\n${bodyHash}`, 'utf8');
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const publicKeys = new Map<string, KeyObject>();
const secretKeys = new Map<string, KeyObject>();
const curveKeys = new Map<string, Uint8Array>();
const curvePairs = new Map<string, { publicKey: Uint8Array; secretKey: Uint8Array }>();
/** Derived key objects are cached per key: a signer or verifier sees the same few keys again and again. */
const KEY_CACHE_LIMIT = 10_000;

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

function publicKeyObject(publicKey: string): KeyObject {
  return remember(publicKeys, publicKey, () => {
    const raw = Buffer.from(publicKey, 'base64');
    if (raw.length !== 32) throw new Error('an ed25519 public key is 32 bytes');
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
  });
}

function secretKeyObject(secretKey: string): KeyObject {
  return remember(secretKeys, secretKey, () => {
    const raw = Buffer.from(secretKey, 'base64');
    if (raw.length !== 64) throw new Error('an ed25519 secret key is 64 bytes');
    return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  });
}

/** Headers that sign a request for `actor`; the timestamp is ms since the epoch, the nonce 16 random bytes. */
export function signRequest(
  subject: string,
  body: Uint8Array,
  actor: string,
  secretKey: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('base64url');
  const signature = sign(null, signingPayload(subject, timestamp, nonce, body), secretKeyObject(secretKey));
  return {
    [SignatureHeaders.actor]: actor,
    [SignatureHeaders.timestamp]: timestamp,
    [SignatureHeaders.nonce]: nonce,
    [SignatureHeaders.signature]: signature.toString('base64'),
  };
}

/** True when `signature` is `publicKey`'s signature of the request; false (never a throw) on any malformed input. */
export function verifyRequestSignature(
  subject: string,
  body: Uint8Array,
  timestamp: string,
  nonce: string,
  signature: string,
  publicKey: string,
): boolean {
  try {
    const raw = Buffer.from(signature, 'base64');
    if (raw.length !== 64) return false;
    return verify(null, signingPayload(subject, timestamp, nonce, body), publicKeyObject(publicKey), raw);
  } catch {
    return false;
  }
}

/**
 * Seals `plaintext` so that only the holder of `publicKey`'s secret key can open it: libsodium's
 * crypto_box_seal construction byte for byte (ephemeral key ‖ crypto_box with the nonce
 * blake2b(ephemeral ‖ recipient)), with the ephemeral key drawn from node:crypto, which is far
 * faster than libsodium-wrappers' random source. crypto_box_seal_open opens it.
 */
export function sealTo(publicKey: string, plaintext: Uint8Array): Uint8Array {
  const recipient = remember(curveKeys, publicKey, () =>
    sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(publicKey, 'base64')),
  );
  const ephemeralSecret = randomBytes(sodium.crypto_box_SECRETKEYBYTES);
  try {
    const ephemeralPublic = sodium.crypto_scalarmult_base(ephemeralSecret);
    const nonce = sodium.crypto_generichash(
      sodium.crypto_box_NONCEBYTES,
      Buffer.concat([ephemeralPublic, recipient]),
      null,
    );
    const box = sodium.crypto_box_easy(plaintext, nonce, recipient, ephemeralSecret);
    return Buffer.concat([ephemeralPublic, box]);
  } finally {
    sodium.memzero(ephemeralSecret);
  }
}

/** Opens what `sealTo` sealed for these keys. */
export function openSealed(sealed: Uint8Array, keys: PrincipalKeys): Uint8Array {
  const pair = remember(curvePairs, keys.secretKey, () => ({
    publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(keys.publicKey, 'base64')),
    secretKey: sodium.crypto_sign_ed25519_sk_to_curve25519(Buffer.from(keys.secretKey, 'base64')),
  }));
  try {
    return sodium.crypto_box_seal_open(sealed, pair.publicKey, pair.secretKey);
  } catch {
    throw new Error('cannot open sealed reply');
  }
}
