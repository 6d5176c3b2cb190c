import { beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady } from '@hearth/contracts';
import { randomBytes } from 'node:crypto';
import { Envelope, EnvelopeError, KeyRing, type SealedVersion } from './envelope.js';

// The barrier properties HashiCorp Vault tests for its AES-GCM barrier, ported to the envelope:
// tampering, relocation and truncation are typed errors without plaintext; sealing is randomised.
const secret = new TextEncoder().encode('{"POSTGRES_PASSWORD":"barrier-test-value"}');
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
const failure = (open: () => unknown) => {
  try {
    open();
  } catch (error) {
    return error as EnvelopeError;
  }
  throw new Error('opened');
};

beforeAll(() => cryptoReady());

describe('envelope encryption', () => {
  it('opens what it sealed', () => {
    const envelope = new Envelope(ring());
    expect(Buffer.from(envelope.open(envelope.seal(secret, ref), ref)).toString()).toBe(
      '{"POSTGRES_PASSWORD":"barrier-test-value"}',
    );
  });

  it('seals the same value twice to different bytes', () => {
    const envelope = new Envelope(ring());
    const [a, b] = [envelope.seal(secret, ref), envelope.seal(secret, ref)];
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
    expect(Buffer.from(a.wrappedDek).equals(Buffer.from(b.wrappedDek))).toBe(false);
  });

  it.each<[string, (s: SealedVersion) => SealedVersion]>([
    ['a flipped ciphertext byte', (s) => ({ ...s, ciphertext: flip(s.ciphertext, 5) })],
    ['a flipped tag byte', (s) => ({ ...s, ciphertext: flip(s.ciphertext, s.ciphertext.length - 1) })],
    ['a flipped nonce byte', (s) => ({ ...s, nonce: flip(s.nonce) })],
    ['a flipped wrapped-key byte', (s) => ({ ...s, wrappedDek: flip(s.wrappedDek, 3) })],
    ['a truncated ciphertext', (s) => ({ ...s, ciphertext: s.ciphertext.subarray(0, s.ciphertext.length - 4) })],
    ['an empty ciphertext', (s) => ({ ...s, ciphertext: new Uint8Array() })],
    ['another format', (s) => ({ ...s, format: 'raw-v1' })],
  ])('refuses %s with VAULT.DECRYPT_FAILED and no plaintext', (_, tamper) => {
    const envelope = new Envelope(ring());
    const error = failure(() => envelope.open(tamper(envelope.seal(secret, ref)), ref));
    expect(error).toBeInstanceOf(EnvelopeError);
    expect(error.code).toBe('VAULT.DECRYPT_FAILED');
    expect(error.message).not.toContain('barrier-test-value');
  });

  it.each([
    ['another path', { path: 'hearth/globex', version: 3 }],
    ['another version', { path: 'hearth/acme', version: 4 }],
  ])('refuses a row moved to %s', (_, elsewhere) => {
    const envelope = new Envelope(ring());
    expect(failure(() => envelope.open(envelope.seal(secret, ref), elsewhere)).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it('refuses a row relabelled with another KEK id', () => {
    const envelope = new Envelope(ring('k1', { k1, k2 }));
    const sealed = envelope.seal(secret, ref);
    expect(failure(() => envelope.open({ ...sealed, kekId: 'k2' }, ref)).code).toBe('VAULT.DECRYPT_FAILED');
  });

  it('refuses an unknown KEK id with VAULT.UNKNOWN_KEK', () => {
    const sealed = new Envelope(ring('k2', { k2 })).seal(secret, ref);
    expect(failure(() => new Envelope(ring()).open(sealed, ref)).code).toBe('VAULT.UNKNOWN_KEK');
  });

  it('rewraps the DEK under the active KEK, so the old KEK can go', () => {
    const old = new Envelope(ring('k1', { k1 })).seal(secret, ref);
    const both = new Envelope(ring('k2', { k1, k2 }));
    const rewrapped = { ...old, ...both.rewrap(old, ref) };
    expect(rewrapped.kekId).toBe('k2');
    expect(Buffer.from(rewrapped.ciphertext).equals(Buffer.from(old.ciphertext))).toBe(true);
    const onlyNew = new Envelope(ring('k2', { k2 }));
    expect(Buffer.from(onlyNew.open(rewrapped, ref)).toString()).toContain('barrier-test-value');
    expect(failure(() => onlyNew.open(old, ref)).code).toBe('VAULT.UNKNOWN_KEK');
  });
});

describe('the key ring', () => {
  it('refuses to exist without a key, with a missing active key, or a key of the wrong length', () => {
    expect(() => KeyRing.parse({})).toThrow('no key-encryption key configured');
    expect(() => KeyRing.parse({ keks: `k1:${k1.toString('base64')}`, activeKek: 'k9' })).toThrow('not among');
    expect(() => KeyRing.parse({ keks: `k1:${randomBytes(16).toString('base64')}`, activeKek: 'k1' })).toThrow(
      '32 bytes',
    );
    expect(
      KeyRing.parse({ keks: `k1:${k1.toString('base64')},k2:${k2.toString('base64')}`, activeKek: 'k2' }).activeId,
    ).toBe('k2');
  });
});
