import { ErrorCode, HearthError } from '@hearth/contracts';
import sodium from 'libsodium-wrappers';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A sealed secret version: the value under its own DEK, the DEK under the KEK named `kekId`. */
export interface SealedVersion {
  kekId: string;
  wrappedDek: Uint8Array;
  dekNonce: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  format: string;
}

export interface VersionRef {
  path: string;
  version: number;
}

export class EnvelopeError extends HearthError {}

const KEY_BYTES = 32;
const KeyFile = z.object({ active: z.string().min(1), keys: z.record(z.string().min(1), z.string()) }).strict();

/** The key-encryption keys by id, one of them active for new DEKs. There is never a default key. */
export class KeyRing {
  constructor(
    private readonly keys: ReadonlyMap<string, Uint8Array>,
    readonly activeId: string,
  ) {
    if (!keys.has(activeId)) throw new Error(`the active KEK ${activeId} is not among the configured KEKs`);
    for (const [id, key] of keys) {
      if (key.length !== KEY_BYTES) throw new Error(`KEK ${id} is not ${KEY_BYTES} bytes`);
    }
  }

  /** `VAULT_KEKS="id1:<base64>,id2:<base64>"` with `VAULT_ACTIVE_KEK`, or a key file `{"active", "keys"}`. */
  static parse(spec: {
    keks?: string | undefined;
    activeKek?: string | undefined;
    keyFile?: string | undefined;
  }): KeyRing {
    if (spec.keyFile) {
      const file = KeyFile.parse(JSON.parse(readFileSync(spec.keyFile, 'utf8')));
      return new KeyRing(
        new Map(Object.entries(file.keys).map(([id, b64]) => [id, Buffer.from(b64, 'base64')])),
        file.active,
      );
    }
    if (!spec.keks || !spec.activeKek) {
      throw new Error('no key-encryption key configured: set VAULT_KEKS and VAULT_ACTIVE_KEK, or VAULT_KEK_FILE');
    }
    const keys = new Map<string, Uint8Array>();
    for (const entry of spec.keks.split(',')) {
      const at = entry.indexOf(':');
      if (at <= 0) throw new Error('VAULT_KEKS entries look like id:<base64 of 32 bytes>');
      keys.set(entry.slice(0, at).trim(), Buffer.from(entry.slice(at + 1).trim(), 'base64'));
    }
    return new KeyRing(keys, spec.activeKek);
  }

  key(id: string): Uint8Array {
    const key = this.keys.get(id);
    if (!key) throw new EnvelopeError(ErrorCode.UnknownKek, `no KEK with id ${id} is configured`);
    return key;
  }
}

const encoder = new TextEncoder();
const valueAd = (format: string, ref: VersionRef) => encoder.encode(`${format}|${ref.path}|${ref.version}`);
const dekAd = (ref: VersionRef, kekId: string) => encoder.encode(`dek|${ref.path}|${ref.version}|${kekId}`);
const NONCE_BYTES = 24; // XChaCha20-Poly1305-IETF

/**
 * Envelope encryption at rest: a random DEK per version seals the value with XChaCha20-Poly1305
 * (additional data `format|path|version`), and the KEK named `kek_id` wraps the DEK (additional data
 * `dek|path|version|kek_id`). A row moved to another path or version fails at both layers; one
 * relabelled with another KEK fails at the unwrap. The KEK id is bound at the wrap, not in the value:
 * a rewrap then touches only the DEK, never the ciphertext. Nonces come from node:crypto (measured
 * far faster than libsodium-wrappers' generator).
 */
export class Envelope {
  constructor(private readonly ring: KeyRing) {}

  seal(plaintext: Uint8Array, ref: VersionRef, format = 'json-v1'): SealedVersion {
    const kekId = this.ring.activeId;
    const dek = randomBytes(KEY_BYTES);
    try {
      const nonce = randomBytes(NONCE_BYTES);
      const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext,
        valueAd(format, ref),
        null,
        nonce,
        dek,
      );
      return { kekId, format, nonce, ciphertext, ...this.wrap(dek, ref, kekId) };
    } finally {
      sodium.memzero(dek);
    }
  }

  open(sealed: SealedVersion, ref: VersionRef): Uint8Array {
    const dek = this.unwrap(sealed, ref);
    try {
      return decrypt(sealed.ciphertext, valueAd(sealed.format, ref), sealed.nonce, dek);
    } finally {
      sodium.memzero(dek);
    }
  }

  /** The same DEK under the active KEK; the ciphertext does not change. */
  rewrap(sealed: SealedVersion, ref: VersionRef): Pick<SealedVersion, 'kekId' | 'wrappedDek' | 'dekNonce'> {
    const dek = this.unwrap(sealed, ref);
    try {
      return { kekId: this.ring.activeId, ...this.wrap(dek, ref, this.ring.activeId) };
    } finally {
      sodium.memzero(dek);
    }
  }

  private wrap(dek: Uint8Array, ref: VersionRef, kekId: string): Pick<SealedVersion, 'wrappedDek' | 'dekNonce'> {
    const dekNonce = randomBytes(NONCE_BYTES);
    const wrappedDek = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      dek,
      dekAd(ref, kekId),
      null,
      dekNonce,
      this.ring.key(kekId),
    );
    return { wrappedDek, dekNonce };
  }

  private unwrap(sealed: SealedVersion, ref: VersionRef): Uint8Array {
    return decrypt(sealed.wrappedDek, dekAd(ref, sealed.kekId), sealed.dekNonce, this.ring.key(sealed.kekId));
  }
}

function decrypt(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    throw new EnvelopeError(ErrorCode.DecryptFailed, 'a secret version failed to decrypt: altered, moved or truncated');
  }
}
