import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';

/**
 * libsodium's crypto_box_seal, in the browser, so a value typed in the console leaves it sealed to the
 * vault's seal key and the console only ever forwards ciphertext. Byte for byte what libsodium does:
 * an ephemeral X25519 key pair; the nonce is blake2b-192(ephemeral public ‖ recipient public); the box
 * is crypto_box_easy — XSalsa20-Poly1305 (tag ‖ ciphertext) under HSalsa20(X25519(ephemeral, recipient), 0¹⁶);
 * the result is ephemeral public ‖ box. The vault opens it with crypto_box_seal_open.
 */

const PUBLIC_KEY_BYTES = 32;
const SIGMA = new Uint32Array(new TextEncoder().encode('expand 32-byte k').buffer);

function words(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** crypto_box_beforenm: the shared key of the box, HSalsa20 of the X25519 agreement with a zero input. */
function beforenm(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(secretKey, publicKey);
  const out = new Uint32Array(8);
  hsalsa(SIGMA, words(shared), new Uint32Array(4), out);
  shared.fill(0);
  return new Uint8Array(out.buffer);
}

/** crypto_box_seal(plaintext, recipientPublicKey); `randomSecret` only for tests (defaults to a fresh key). */
export function cryptoBoxSeal(
  plaintext: Uint8Array,
  recipientPublicKey: Uint8Array,
  randomSecret: Uint8Array = x25519.utils.randomSecretKey(),
): Uint8Array {
  if (recipientPublicKey.length !== PUBLIC_KEY_BYTES) throw new Error('a seal public key is 32 bytes');
  const ephemeralPublic = x25519.getPublicKey(randomSecret);
  const nonceInput = new Uint8Array(PUBLIC_KEY_BYTES * 2);
  nonceInput.set(ephemeralPublic, 0);
  nonceInput.set(recipientPublicKey, PUBLIC_KEY_BYTES);
  const nonce = blake2b(nonceInput, { dkLen: 24 });
  const key = beforenm(randomSecret, recipientPublicKey);
  try {
    const box = xsalsa20poly1305(key, nonce).encrypt(plaintext);
    const sealed = new Uint8Array(PUBLIC_KEY_BYTES + box.length);
    sealed.set(ephemeralPublic, 0);
    sealed.set(box, PUBLIC_KEY_BYTES);
    return sealed;
  } finally {
    key.fill(0);
    randomSecret.fill(0);
  }
}

export function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Strict base64 of exactly `length` bytes, or null. */
export function bytesOfBase64(text: string, length: number): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const binary = atob(text);
  if (binary.length !== length) return null;
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * A write's or a rotation's `sealed_values`: `{path, values}` as JSON (the path inside, so a box lifted
 * from one request opens for no other path), sealed to the vault's seal public key (base64, 32 bytes,
 * as `GET /v1/vault-seal-key` gives it), in base64 — what contracts' VaultClient sends.
 */
export function sealValuesForVault(vaultSealKey: string, path: string, values: Record<string, string>): string {
  const recipient = bytesOfBase64(vaultSealKey, PUBLIC_KEY_BYTES);
  if (!recipient) throw new Error("the vault's seal public key is not 32 bytes of base64");
  const plaintext = new TextEncoder().encode(JSON.stringify({ path, values }));
  try {
    return base64Of(cryptoBoxSeal(plaintext, recipient));
  } finally {
    plaintext.fill(0);
  }
}
