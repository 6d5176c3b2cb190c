import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** Thrown for a key that is not ed25519 or cannot be read; the message never quotes the key. */
export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}

/** hatch's signing key: PEM, or base64 of the PKCS#8 DER. */
export function loadPrivateKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey(trimmed)
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyFormatError('the signing key is neither PEM nor base64 PKCS#8');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError('the signing key is not an ed25519 key');
  return key;
}

/** A verifying key: PEM (SPKI), or base64 of the SPKI DER. */
export function loadPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new KeyFormatError('the public key is neither PEM nor base64 SPKI');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyFormatError('the public key is not an ed25519 key');
  return key;
}

/** The SPKI PEM of a key, or of a private key's public half. */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** A key as a person compares it: `SHA256:` and the unpadded base64 of its SPKI DER's SHA-256, as ssh shows keys. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}
