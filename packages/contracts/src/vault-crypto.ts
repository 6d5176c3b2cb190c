import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { z } from 'zod';

/**
 * The caller's side of the vault's identity and sealing. Requests are signed with ed25519: node's
 * native signer (byte-identical signatures, measured ~20% faster than libsodium's) and libsodium's
 * verifier (as fast as node's here, and stricter: it refuses small-order and non-canonical keys and
 * signatures). Replies are sealed with crypto_box_seal to the X25519 form of the caller's ed25519 key,
 * values in requests to the vault's own X25519 seal key, the X25519 operations done by node (native,
 * about twice libsodium's WebAssembly here).
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

/**
 * A principal's key file, as `hearth init` and `hearth principal create --out` write it: its name and
 * its keys. What the CLI, the driver and the console sign with.
 */
export const PrincipalKeyFile = z
  .object({ name: z.string().min(1), publicKey: z.base64(), secretKey: z.base64() })
  .strict()
  .refine(({ publicKey, secretKey }) => {
    const secret = Buffer.from(secretKey, 'base64');
    return secret.length === 64 && secret.subarray(32).toString('base64') === publicKey;
  }, 'secretKey is 64 bytes of base64 (seed ‖ public key), publicKey its last 32');
export type PrincipalKeyFile = z.infer<typeof PrincipalKeyFile>;

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

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const secretKeys = new Map<string, KeyObject>();
const sealingKeys = new Map<string, { raw: Uint8Array; key: KeyObject }>();
const openingKeys = new Map<string, { publicKey: Uint8Array; secretKey: KeyObject }>();
/** Derived keys are cached per key: a signer or the sealing vault sees the same few keys again and again. */
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

/** The bytes of canonical standard base64 (padded) of exactly `length` bytes, else null: node's decoder skips junk. */
export function strictBase64(text: string, length: number): Buffer | null {
  const raw = Buffer.from(text, 'base64');
  return raw.length === length && raw.toString('base64') === text ? raw : null;
}

function secretKeyObject(secretKey: string): KeyObject {
  return remember(secretKeys, secretKey, () => {
    const raw = Buffer.from(secretKey, 'base64');
    if (raw.length !== 64) throw new Error('an ed25519 secret key is 64 bytes');
    const der = Buffer.concat([PKCS8_ED25519, raw.subarray(0, 32)]);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
      raw.fill(0);
    }
  });
}

/**
 * Headers that sign a request for `actor`; the timestamp is ms since the epoch, the nonce 16 random
 * bytes unless one is given (a test replaying another principal's nonce).
 */
export function signRequest(
  subject: string,
  body: Uint8Array,
  actor: string,
  secretKey: string,
  now: number = Date.now(),
  nonce: string = randomBytes(16).toString('base64url'),
): Record<string, string> {
  const timestamp = String(now);
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
  const rawSignature = strictBase64(signature, 64);
  const rawPublicKey = strictBase64(publicKey, 32);
  if (!rawSignature || !rawPublicKey) return false;
  // With the lengths checked, libsodium answers false rather than throwing; a throw here means
  // cryptoReady() was never awaited, which must be loud, not a silent refusal of every caller.
  return sodium.crypto_sign_verify_detached(
    rawSignature,
    signingPayload(subject, timestamp, nonce, body),
    rawPublicKey,
  );
}

/**
 * Seals `plaintext` so that only the holder of `publicKey`'s secret key can open it: libsodium's
 * crypto_box_seal byte for byte — ephemeral X25519 key ‖ XSalsa20-Poly1305 under
 * HSalsa20(X25519(ephemeral, recipient)) with the nonce blake2b(ephemeral ‖ recipient), which is
 * crypto_box_easy — so crypto_box_seal_open opens it. The key pair and the agreement are node's
 * (native); HSalsa20, blake2b and the box stay libsodium's.
 */
export function sealTo(publicKey: string, plaintext: Uint8Array): Uint8Array {
  return sealToX25519(
    remember(sealingKeys, publicKey, () =>
      x25519Recipient(sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(publicKey, 'base64'))),
    ),
    plaintext,
  );
}

/** Opens what `sealTo` (or libsodium's crypto_box_seal) sealed for these keys; throws `cannot open sealed box` (and nothing more) otherwise. */
export function openSealed(sealed: Uint8Array, keys: PrincipalKeys): Uint8Array {
  try {
    const own = remember(openingKeys, `${keys.publicKey}:${keys.secretKey}`, () => {
      const secret = sodium.crypto_sign_ed25519_sk_to_curve25519(Buffer.from(keys.secretKey, 'base64'));
      try {
        return {
          publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(keys.publicKey, 'base64')),
          secretKey: x25519SecretKey(secret),
        };
      } finally {
        sodium.memzero(secret);
      }
    });
    return openBox(sealed, own);
  } catch {
    throw new Error('cannot open sealed box');
  }
}

/**
 * The vault's own X25519 key pair, base64 (32 bytes each). Callers seal the values a request carries
 * to `publicKey`, pinned from their configuration; only the vault opens them. A key of its own, not
 * the X25519 form of a signing key.
 */
export interface SealKeys {
  publicKey: string;
  secretKey: string;
}

export function generateSealKeys(): SealKeys {
  const pair = sodium.crypto_box_keypair();
  return {
    publicKey: Buffer.from(pair.publicKey).toString('base64'),
    secretKey: Buffer.from(pair.privateKey).toString('base64'),
  };
}

/** The seal key pair of an X25519 secret key (base64, 32 bytes); throws when it is not one. */
export function sealKeysOf(secretKey: string): SealKeys {
  const raw = strictBase64(secretKey, 32);
  if (!raw) throw new Error('a seal key is 32 bytes, base64');
  try {
    return { publicKey: Buffer.from(sodium.crypto_scalarmult_base(raw)).toString('base64'), secretKey };
  } finally {
    raw.fill(0);
  }
}

/** Seals `plaintext` to the vault's seal key (`SealKeys.publicKey`), as crypto_box_seal does. */
export function sealToVault(vaultPublicKey: string, plaintext: Uint8Array): Uint8Array {
  return sealToX25519(
    remember(sealingKeys, `x25519:${vaultPublicKey}`, () => {
      const raw = strictBase64(vaultPublicKey, 32);
      if (!raw) throw new Error("the vault's seal public key is 32 bytes, base64");
      return x25519Recipient(raw);
    }),
    plaintext,
  );
}

/** Opens what `sealToVault` sealed to these keys; throws `cannot open sealed box` (and nothing more) otherwise. */
export function openSealedToVault(sealed: Uint8Array, keys: SealKeys): Uint8Array {
  try {
    const own = remember(openingKeys, `x25519:${keys.publicKey}:${keys.secretKey}`, () => {
      const secret = Buffer.from(keys.secretKey, 'base64');
      try {
        return { publicKey: Buffer.from(keys.publicKey, 'base64'), secretKey: x25519SecretKey(secret) };
      } finally {
        secret.fill(0);
      }
    });
    return openBox(sealed, own);
  } catch {
    throw new Error('cannot open sealed box');
  }
}

interface Recipient {
  raw: Uint8Array;
  key: KeyObject;
}

function x25519Recipient(raw: Uint8Array): Recipient {
  return { raw, key: x25519PublicKey(raw) };
}

function sealToX25519(recipient: Recipient, plaintext: Uint8Array): Uint8Array {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublic = ephemeral.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
  return Buffer.concat([
    ephemeralPublic,
    boxed(
      diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.key }),
      ephemeralPublic,
      recipient.raw,
      (nonce, key) => sodium.crypto_secretbox_easy(plaintext, nonce, key),
    ),
  ]);
}

function openBox(sealed: Uint8Array, own: { publicKey: Uint8Array; secretKey: KeyObject }): Uint8Array {
  const ephemeralPublic = sealed.subarray(0, sodium.crypto_box_PUBLICKEYBYTES);
  const shared = diffieHellman({ privateKey: own.secretKey, publicKey: x25519PublicKey(ephemeralPublic) });
  return boxed(shared, ephemeralPublic, own.publicKey, (nonce, key) =>
    sodium.crypto_secretbox_open_easy(sealed.subarray(sodium.crypto_box_PUBLICKEYBYTES), nonce, key),
  );
}

function x25519SecretKey(raw: Uint8Array): KeyObject {
  const der = Buffer.concat([PKCS8_X25519, raw]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

/**
 * The crypto_box of a sealed box, given the X25519 agreement: its key is HSalsa20 of the shared
 * point (crypto_box_beforenm), its nonce blake2b-192 of ephemeral ‖ recipient; both keys wiped after.
 */
function boxed<T>(
  shared: Uint8Array,
  ephemeralPublic: Uint8Array,
  recipientPublic: Uint8Array,
  box: (nonce: Uint8Array, key: Uint8Array) => T,
): T {
  const key = sodium.crypto_core_hsalsa20(new Uint8Array(16), shared, null);
  try {
    const nonce = sodium.crypto_generichash(
      sodium.crypto_box_NONCEBYTES,
      Buffer.concat([ephemeralPublic, recipientPublic]),
      null,
    );
    return box(nonce, key);
  } finally {
    sodium.memzero(key);
    sodium.memzero(shared);
  }
}
