import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady } from '@hearth/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SealedVersion } from '../../app/ports.js';
import { EnvelopeCipher, EnvelopeError, KeyRing } from './envelope-cipher.js';

// HashiCorp Vault's barrier tests (vault/barrier_aes_gcm_test.go: Confidential, Integrity,
// MoveIntegrityV2, Encrypt_Unique, Rotate, Initialize_KeyLength) ported to the envelope: tampering,
// relocation, truncation and unknown keys are typed errors without plaintext; sealing is randomised.
const value = 'barrier-test-value';
const secret = new TextEncoder().encode(`{"POSTGRES_PASSWORD":"${value}"}`);
const ref = { path: 'hearth/acme', version: 3 };
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ring = (active = 'k1', keys: Record<string, Uint8Array> = { k1 }) =>
  new KeyRing(new Map(Object.entries(keys)), active);
const flip = (bytes: Uint8Array, at = 0) => {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

/** The EnvelopeError that `open` throws, checked to say nothing of the value or the keys. */
function failure(open: () => unknown): EnvelopeError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    const { message } = error as EnvelopeError;
    for (const secretText of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) {
      expect(message).not.toContain(secretText);
    }
    for (const key of [k1, k2]) expect(message).not.toContain(key.toString('base64'));
    return error as EnvelopeError;
  }
  throw new Error('it opened');
}

beforeAll(() => cryptoReady());

describe('envelope encryption', () => {
  it('opens what it sealed', () => {
    const envelope = new EnvelopeCipher(ring());
    const sealed = envelope.seal(secret, ref);
    expect(sealed).toMatchObject({ kekId: 'k1', format: 'json-v1' });
    expect(sealed.nonce).toHaveLength(24);
    expect(sealed.dekNonce).toHaveLength(24);
    expect(text(envelope.open(sealed, ref))).toBe(text(secret));
  });

  it('keeps the value out of every stored byte (Confidential)', () => {
    const sealed = new EnvelopeCipher(ring()).seal(secret, ref);
    for (const stored of [sealed.ciphertext, sealed.wrappedDek, sealed.nonce, sealed.dekNonce]) {
      expect(Buffer.from(stored).toString('latin1')).not.toContain(value);
    }
  });

  it('seals the same value twice to different bytes (Encrypt_Unique)', () => {
    const envelope = new EnvelopeCipher(ring());
    const [a, b] = [envelope.seal(secret, ref), envelope.seal(secret, ref)];
    for (const field of ['ciphertext', 'nonce', 'wrappedDek', 'dekNonce'] as const) {
      expect(Buffer.from(a[field]).equals(Buffer.from(b[field]))).toBe(false);
    }
  });

  it('refuses a flipped bit in any byte of the ciphertext, its tag included (Integrity)', () => {
    const envelope = new EnvelopeCipher(ring());
    const sealed = envelope.seal(secret, ref);
    for (let at = 0; at < sealed.ciphertext.length; at++) {
      expect(failure(() => envelope.open({ ...sealed, ciphertext: flip(sealed.ciphertext, at) }, ref)).code).toBe(
        'VAULT.DECRYPT_FAILED',
      );
    }
  });

  it.each<[string, (s: SealedVersion) => SealedVersion]>([
    ['a flipped nonce byte', (s) => ({ ...s, nonce: flip(s.nonce, 7) })],
    ['a flipped wrapped-DEK byte', (s) => ({ ...s, wrappedDek: flip(s.wrappedDek, 3) })],
    ['a flipped wrapped-DEK tag byte', (s) => ({ ...s, wrappedDek: flip(s.wrappedDek, s.wrappedDek.length - 1) })],
    ['a flipped DEK nonce byte', (s) => ({ ...s, dekNonce: flip(s.dekNonce, 11) })],
    ['a truncated ciphertext', (s) => ({ ...s, ciphertext: s.ciphertext.subarray(0, s.ciphertext.length - 4) })],
    ['a ciphertext shorter than its tag', (s) => ({ ...s, ciphertext: s.ciphertext.subarray(0, 15) })],
    ['an empty ciphertext', (s) => ({ ...s, ciphertext: new Uint8Array() })],
    ['a truncated wrapped DEK', (s) => ({ ...s, wrappedDek: s.wrappedDek.subarray(0, 40) })],
    ['a truncated nonce', (s) => ({ ...s, nonce: s.nonce.subarray(0, 12) })],
    ['another format', (s) => ({ ...s, format: 'raw-v1' })],
  ])('refuses %s with VAULT.DECRYPT_FAILED', (_, tamper) => {
    const envelope = new EnvelopeCipher(ring());
    expect(failure(() => envelope.open(tamper(envelope.seal(secret, ref)), ref)).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it.each([
    ['another path', { path: 'hearth/globex', version: 3 }],
    ['a nested path', { path: 'hearth/acme/db', version: 3 }],
    ['another version', { path: 'hearth/acme', version: 4 }],
  ])('refuses a row moved to %s (MoveIntegrityV2)', (_, elsewhere) => {
    const envelope = new EnvelopeCipher(ring());
    expect(failure(() => envelope.open(envelope.seal(secret, ref), elsewhere)).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it("refuses one version's value under another version's DEK", () => {
    const envelope = new EnvelopeCipher(ring());
    const [three, four] = [envelope.seal(secret, ref), envelope.seal(secret, { ...ref, version: 4 })];
    const spliced = { ...four, ciphertext: three.ciphertext, nonce: three.nonce };
    expect(failure(() => envelope.open(spliced, { ...ref, version: 4 })).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it('refuses a row relabelled with another KEK id', () => {
    const envelope = new EnvelopeCipher(ring('k1', { k1, k2 }));
    const sealed = envelope.seal(secret, ref);
    expect(failure(() => envelope.open({ ...sealed, kekId: 'k2' }, ref)).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it('refuses an unknown KEK id with VAULT.UNKNOWN_KEK', () => {
    const sealed = new EnvelopeCipher(ring('k2', { k2 })).seal(secret, ref);
    const error = failure(() => new EnvelopeCipher(ring()).open(sealed, ref));
    expect(error.code).toBe('VAULT.UNKNOWN_KEK');
    expect(error.kind).toBe('internal');
  });

  it('opens old versions after the active KEK changes, and seals new ones under it (Rotate)', () => {
    const old = new EnvelopeCipher(ring('k1', { k1 })).seal(secret, ref);
    const rotated = new EnvelopeCipher(ring('k2', { k1, k2 }));
    expect(text(rotated.open(old, ref))).toBe(text(secret));
    expect(rotated.seal(secret, ref).kekId).toBe('k2');
  });

  it('rewraps the DEK under the active KEK, the ciphertext untouched, so the old KEK can go', () => {
    const old = new EnvelopeCipher(ring('k1', { k1 })).seal(secret, ref);
    const both = new EnvelopeCipher(ring('k2', { k1, k2 }));
    const rewrapped = { ...old, ...both.rewrap(old, ref) };
    expect(rewrapped.kekId).toBe('k2');
    expect(Buffer.from(rewrapped.ciphertext).equals(Buffer.from(old.ciphertext))).toBe(true);
    expect(Buffer.from(rewrapped.nonce).equals(Buffer.from(old.nonce))).toBe(true);
    expect(text(both.open(rewrapped, ref))).toBe(text(secret));

    const onlyNew = new EnvelopeCipher(ring('k2', { k2 }));
    expect(text(onlyNew.open(rewrapped, ref))).toBe(text(secret));
    expect(failure(() => onlyNew.open(old, ref)).code).toBe('VAULT.UNKNOWN_KEK');
  });

  it('refuses to rewrap a tampered or moved row', () => {
    const envelope = new EnvelopeCipher(ring('k2', { k1, k2 }));
    const old = new EnvelopeCipher(ring('k1', { k1 })).seal(secret, ref);
    expect(failure(() => envelope.rewrap({ ...old, wrappedDek: flip(old.wrappedDek) }, ref)).code).toBe(
      'VAULT.DECRYPT_FAILED',
    );
    expect(failure(() => envelope.rewrap(old, { ...ref, version: 9 })).code).toBe('VAULT.DECRYPT_FAILED');
  });
});

describe('the key ring', () => {
  const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');
  let dir: string;
  const keyFile = (content: string) => {
    const path = join(dir, `keks-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-keyring-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads VAULT_KEKS with VAULT_ACTIVE_KEK', () => {
    const parsed = KeyRing.parse({ keks: `k1:${b64(k1)}, k2:${b64(k2)}`, activeKek: 'k2' });
    expect(parsed.activeId).toBe('k2');
    expect(Buffer.from(parsed.key('k1')).equals(k1)).toBe(true);
  });

  it('reads a key file', () => {
    const parsed = KeyRing.parse({
      keyFile: keyFile(JSON.stringify({ active: 'k1', keys: { k1: b64(k1), k2: b64(k2) } })),
    });
    expect(parsed.activeId).toBe('k1');
    expect(Buffer.from(parsed.key('k2')).equals(k2)).toBe(true);
  });

  it('refuses to exist without a key: there is no default', () => {
    expect(() => KeyRing.parse({})).toThrow('no key-encryption key configured');
    expect(() => KeyRing.parse({ keks: `k1:${b64(k1)}` })).toThrow('no key-encryption key configured');
    expect(() => KeyRing.parse({ activeKek: 'k1' })).toThrow('no key-encryption key configured');
    expect(() => new KeyRing(new Map(), 'k1')).toThrow('not among');
  });

  it('refuses an active id that is not in the ring', () => {
    expect(() => KeyRing.parse({ keks: `k1:${b64(k1)}`, activeKek: 'k9' })).toThrow('not among');
    expect(() => KeyRing.parse({ keyFile: keyFile(JSON.stringify({ active: 'k9', keys: { k1: b64(k1) } })) })).toThrow(
      'not among',
    );
  });

  it('refuses keys of the wrong length (Initialize_KeyLength)', () => {
    for (const length of [3, 16, 23, 31, 33, 64]) {
      expect(() => KeyRing.parse({ keks: `k1:${b64(randomBytes(length))}`, activeKek: 'k1' })).toThrow('32 bytes');
    }
    expect(() =>
      KeyRing.parse({ keyFile: keyFile(JSON.stringify({ active: 'k1', keys: { k1: b64(randomBytes(16)) } })) }),
    ).toThrow('32 bytes');
  });

  it('refuses base64 that only a lenient decoder would accept', () => {
    const sloppy = `${b64(k1).slice(0, 10)}.${b64(k1).slice(10)}`;
    expect(() => KeyRing.parse({ keks: `k1:${sloppy}`, activeKek: 'k1' })).toThrow('standard base64');
    expect(() => KeyRing.parse({ keks: `k1:${k1.toString('base64url')}`, activeKek: 'k1' })).toThrow();
  });

  it('refuses duplicate ids, malformed entries and ids that would blur the additional data', () => {
    expect(() => KeyRing.parse({ keks: `k1:${b64(k1)},k1:${b64(k2)}`, activeKek: 'k1' })).toThrow('twice');
    expect(() => KeyRing.parse({ keks: b64(k1), activeKek: 'k1' })).toThrow('id:<base64');
    expect(() => new KeyRing(new Map([['k|1', k1]]), 'k|1')).toThrow('is not letters');
  });

  it('refuses ambiguous configuration: a key file and VAULT_KEKS together', () => {
    const path = keyFile(JSON.stringify({ active: 'k1', keys: { k1: b64(k1) } }));
    expect(() => KeyRing.parse({ keyFile: path, keks: `k2:${b64(k2)}`, activeKek: 'k2' })).toThrow('not both');
  });

  it('refuses an unreadable or malformed key file without quoting it', () => {
    expect(() => KeyRing.parse({ keyFile: join(dir, 'missing.json') })).toThrow('cannot be read (ENOENT)');
    const broken = keyFile(`{"active":"k1","keys":{"k1":${b64(k1)}}}`);
    expect(() => KeyRing.parse({ keyFile: broken })).toThrow('is not valid JSON');
    try {
      KeyRing.parse({ keyFile: broken });
    } catch (error) {
      expect((error as Error).message).not.toContain(b64(k1).slice(0, 8));
    }
    expect(() => KeyRing.parse({ keyFile: keyFile(JSON.stringify({ keys: { k1: b64(k1) } })) })).toThrow(
      'is not {"active"',
    );
  });

  it('keeps its own copy of the keys', () => {
    const mine = Uint8Array.from(k1);
    const keys = new KeyRing(new Map([['k1', mine]]), 'k1');
    const sealed = new EnvelopeCipher(keys).seal(secret, ref);
    mine.fill(0);
    expect(text(new EnvelopeCipher(keys).open(sealed, ref))).toBe(text(secret));
  });
});
