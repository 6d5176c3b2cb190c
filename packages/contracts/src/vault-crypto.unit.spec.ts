import { beforeAll, describe, expect, it } from '@jest/globals';
import sodium from 'libsodium-wrappers-sumo';
import { createHash } from 'node:crypto';
import {
  cryptoReady,
  generatePrincipalKeys,
  openSealed,
  sealTo,
  SignatureHeaders,
  signingPayload,
  signRequest,
  verifyRequestSignature,
  type PrincipalKeys,
} from './vault-crypto.js';

const subject = 'vault.secret.read';
const body = new TextEncoder().encode('{"path":"hearth/acme"}');
let alice: PrincipalKeys;
let bob: PrincipalKeys;

beforeAll(async () => {
  await cryptoReady();
  alice = generatePrincipalKeys();
  bob = generatePrincipalKeys();
});

/** The same text with one bit of one character changed. */
const flipChar = (text: string, at = 0) =>
  text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
const flipByte = (bytes: Uint8Array, at = 0) => {
  const copy = Uint8Array.from(bytes);
  copy[at] = copy[at]! ^ 1;
  return copy;
};

interface Signed {
  subject: string;
  body: Uint8Array;
  timestamp: string;
  nonce: string;
  signature: string;
  publicKey: string;
}

function signedByAlice(): Signed {
  const h = signRequest(subject, body, 'alice', alice.secretKey);
  return {
    subject,
    body,
    timestamp: h[SignatureHeaders.timestamp]!,
    nonce: h[SignatureHeaders.nonce]!,
    signature: h[SignatureHeaders.signature]!,
    publicKey: alice.publicKey,
  };
}
const verifies = (s: Signed) =>
  verifyRequestSignature(s.subject, s.body, s.timestamp, s.nonce, s.signature, s.publicKey);

describe('request signatures', () => {
  it('verify for the signer', () => {
    expect(verifies(signedByAlice())).toBe(true);
  });

  it('carry the actor, a ms timestamp and a fresh 16-byte base64url nonce', () => {
    const h = signRequest(subject, body, 'alice', alice.secretKey, 1_700_000_000_123);
    expect(h[SignatureHeaders.actor]).toBe('alice');
    expect(h[SignatureHeaders.timestamp]).toBe('1700000000123');
    expect(Buffer.from(h[SignatureHeaders.nonce]!, 'base64url')).toHaveLength(16);
    expect(h[SignatureHeaders.nonce]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(signRequest(subject, body, 'alice', alice.secretKey)[SignatureHeaders.nonce]).not.toBe(
      h[SignatureHeaders.nonce],
    );
  });

  it('sign subject, timestamp, nonce and the body hash, newline separated', () => {
    const hash = createHash('sha256').update(body).digest('hex');
    expect(Buffer.from(signingPayload(subject, '1', 'n', body)).toString()).toBe(`${subject}\n1\nn\n${hash}`);
  });

  it("are libsodium's ed25519 signatures, byte for byte", () => {
    const s = signedByAlice();
    const payload = signingPayload(s.subject, s.timestamp, s.nonce, s.body);
    const bySodium = sodium.crypto_sign_detached(payload, Buffer.from(alice.secretKey, 'base64'));
    expect(Buffer.from(bySodium).toString('base64')).toBe(s.signature);
  });

  it.each<[string, (s: Signed) => Signed]>([
    ['body', (s) => ({ ...s, body: flipByte(s.body, 3) })],
    ['subject', (s) => ({ ...s, subject: flipChar(s.subject, s.subject.length - 1) })],
    ['timestamp', (s) => ({ ...s, timestamp: flipChar(s.timestamp, s.timestamp.length - 1) })],
    ['nonce', (s) => ({ ...s, nonce: flipChar(s.nonce, 5) })],
    [
      'signature',
      (s) => ({ ...s, signature: Buffer.from(flipByte(Buffer.from(s.signature, 'base64'), 10)).toString('base64') }),
    ],
  ])('fail when one byte of the %s changes', (_, tamper) => {
    expect(verifies(tamper(signedByAlice()))).toBe(false);
  });

  it("fail under another principal's key", () => {
    expect(verifies({ ...signedByAlice(), publicKey: bob.publicKey })).toBe(false);
  });

  it('return false, never throw, on malformed signatures and keys', () => {
    const s = signedByAlice();
    const unpadded = s.signature.replace(/=+$/, '');
    for (const signature of ['', '%%%', unpadded, `${s.signature}!`, `!${s.signature}`, s.signature.slice(4)]) {
      expect(verifies({ ...s, signature })).toBe(false);
    }
    const shortKey = Buffer.from(alice.publicKey, 'base64').subarray(1).toString('base64');
    for (const publicKey of ['', 'not-a-key', shortKey, `${alice.publicKey}*`, alice.secretKey]) {
      expect(verifies({ ...s, publicKey })).toBe(false);
    }
  });
});

describe('sealed replies', () => {
  const secret = new TextEncoder().encode('{"POSTGRES_PASSWORD":"s3cret"}');

  it('open for the recipient', () => {
    expect(Buffer.from(openSealed(sealTo(alice.publicKey, secret), alice)).toString()).toBe(
      '{"POSTGRES_PASSWORD":"s3cret"}',
    );
  });

  it('do not open for another principal', () => {
    expect(() => openSealed(sealTo(alice.publicKey, secret), bob)).toThrow(new Error('cannot open sealed box'));
  });

  it('do not open when altered or truncated, with the same error and nothing more', () => {
    const sealed = sealTo(alice.publicKey, secret);
    for (const broken of [flipByte(sealed, 0), flipByte(sealed, sealed.length - 1), sealed.subarray(0, 40)]) {
      expect(() => openSealed(broken, alice)).toThrow(new Error('cannot open sealed box'));
    }
    expect(() => openSealed(sealed, { publicKey: 'x', secretKey: 'y' })).toThrow(new Error('cannot open sealed box'));
  });

  it("are libsodium's crypto_box_seal: its open accepts them", () => {
    const sealed = sealTo(alice.publicKey, secret);
    const pk = sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(alice.publicKey, 'base64'));
    const sk = sodium.crypto_sign_ed25519_sk_to_curve25519(Buffer.from(alice.secretKey, 'base64'));
    expect(Buffer.from(sodium.crypto_box_seal_open(sealed, pk, sk)).toString()).toBe('{"POSTGRES_PASSWORD":"s3cret"}');
  });

  it("open libsodium's own crypto_box_seal, and not once a byte of it is changed", () => {
    const pk = sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(alice.publicKey, 'base64'));
    const sealed = sodium.crypto_box_seal(secret, pk);
    expect(Buffer.from(openSealed(sealed, alice)).toString()).toBe('{"POSTGRES_PASSWORD":"s3cret"}');
    for (const at of [0, 31, 32, sealed.length - 1]) {
      expect(() => openSealed(flipByte(sealed, at), alice)).toThrow(new Error('cannot open sealed box'));
    }
  });

  it('differ each time for the same plaintext, and hide it', () => {
    const a = Buffer.from(sealTo(alice.publicKey, secret));
    const b = Buffer.from(sealTo(alice.publicKey, secret));
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('s3cret');
  });
});
