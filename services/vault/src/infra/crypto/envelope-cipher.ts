import { ErrorCode, HearthError } from '@hearth/contracts';
import sodium from 'libsodium-wrappers-sumo';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Cipher, SealedVersion, VersionRef, WrappedKey } from '../../app/ports.js';

export class EnvelopeError extends HearthError {}

const KEY_BYTES = 32;
/** KEK ids end up in additional data and in `VAULT_KEKS`, so none of `|`, `,`, `:` or spaces. */
const KEK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KeyFile = z.object({ active: z.string().min(1), keys: z.record(z.string(), z.string()) }).strict();

/** The key-encryption keys by id, one of them active for new DEKs. There is never a default key. */
export class KeyRing {
  private readonly keys: ReadonlyMap<string, Uint8Array>;

  constructor(
    keys: ReadonlyMap<string, Uint8Array>,
    readonly activeId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEK_ID.test(id)) throw new Error(`KEK id ${JSON.stringify(id)} is not letters, digits, ".", "_" or "-"`);
      if (key.length !== KEY_BYTES) throw new Error(`KEK ${id} is not ${KEY_BYTES} bytes`);
    }
    if (!keys.has(activeId)) throw new Error(`the active KEK ${activeId} is not among the configured KEKs`);
    this.keys = new Map([...keys].map(([id, key]) => [id, Uint8Array.from(key)]));
  }

  /** `VAULT_KEKS="id1:<base64>,id2:<base64>"` with `VAULT_ACTIVE_KEK`, or a key file `{"active", "keys"}`. */
  static parse(spec: {
    keks?: string | undefined;
    activeKek?: string | undefined;
    keyFile?: string | undefined;
  }): KeyRing {
    if (spec.keyFile) {
      if (spec.keks || spec.activeKek) {
        throw new Error('configure the KEKs either by VAULT_KEKS and VAULT_ACTIVE_KEK or by VAULT_KEK_FILE, not both');
      }
      return KeyRing.fromFile(spec.keyFile);
    }
    if (!spec.keks || !spec.activeKek) {
      throw new Error('no key-encryption key configured: set VAULT_KEKS and VAULT_ACTIVE_KEK, or VAULT_KEK_FILE');
    }
    const keys = new Map<string, Uint8Array>();
    for (const entry of spec.keks.split(',')) {
      const at = entry.indexOf(':');
      if (at <= 0) throw new Error('VAULT_KEKS entries look like id:<base64 of 32 bytes>');
      const id = entry.slice(0, at).trim();
      if (keys.has(id)) throw new Error(`KEK ${id} appears twice in VAULT_KEKS`);
      keys.set(id, decodeKey(id, entry.slice(at + 1).trim()));
    }
    return new KeyRing(keys, spec.activeKek.trim());
  }

  private static fromFile(path: string): KeyRing {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      // JSON.parse quotes the text it choked on, which here is key material: say only where, and
      // attach no cause (loggers print causes).
      const reason =
        error instanceof SyntaxError
          ? 'is not valid JSON'
          : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`;
      // eslint-disable-next-line preserve-caught-error -- the cause would carry key material
      throw new Error(`the KEK file ${path} ${reason}`);
    }
    const file = KeyFile.safeParse(json);
    if (!file.success) throw new Error(`the KEK file ${path} is not {"active": "<id>", "keys": {"<id>": "<base64>"}}`);
    return new KeyRing(
      new Map(Object.entries(file.data.keys).map(([id, b64]) => [id, decodeKey(id, b64)])),
      file.data.active,
    );
  }

  key(id: string): Uint8Array {
    const key = this.keys.get(id);
    if (!key) throw new EnvelopeError(ErrorCode.UnknownKek, `no KEK with id ${id} is configured`);
    return key;
  }
}

/** Canonical base64 only: node's decoder skips stray characters, so a typo would silently become another key. */
function decodeKey(id: string, b64: string): Uint8Array {
  const key = Buffer.from(b64, 'base64');
  if (key.toString('base64') !== b64) throw new Error(`KEK ${id} is not standard base64 (with padding)`);
  return key;
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
export class EnvelopeCipher implements Cipher {
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
  rewrap(sealed: SealedVersion, ref: VersionRef): WrappedKey {
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
