import { beforeAll, describe, expect, it } from '@jest/globals';
import sodium from 'libsodium-wrappers';
import { createHash } from 'node:crypto';
import {
  cryptoReady,
  generatePrincipalKeys,
  openSealed,
  sealTo,
  SignatureHeaders,
  signRequest,
  verifyRequestSignature,
  type PrincipalKeys,
} from './vault-crypto.js';

const body = new TextEncoder().encode('{"path":"hearth/acme"}');
let alice: PrincipalKeys;
let bob: PrincipalKeys;

beforeAll(async () => {
  await cryptoReady();
  alice = generatePrincipalKeys();
  bob = generatePrincipalKeys();
});

describe('request signatures', () => {
  const signed = () => signRequest('vault.secret.read', body, 'alice', alice.secretKey);
  const verifies = (
    h: Record<string, string>,
    over: { subject?: string; body?: Uint8Array; publicKey?: string } = {},
  ) =>
    verifyRequestSignature(
      over.subject ?? 'vault.secret.read',
      over.body ?? body,
      h[SignatureHeaders.timestamp]!,
      h[SignatureHeaders.nonce]!,
      h[SignatureHeaders.signature]!,
      over.publicKey ?? alice.publicKey,
    );

  it('verify for the signer', () => {
    const h = signed();
    expect(h[SignatureHeaders.actor]).toBe('alice');
    expect(verifies(h)).toBe(true);
  });

  it('agree with libsodium', () => {
    const h = signed();
    const payload = Buffer.from(
      `vault.secret.read\n${h[SignatureHeaders.timestamp]}\n${h[SignatureHeaders.nonce]}\n${createHash('sha256').update(body).digest('hex')}`,
    );
    expect(
      sodium.crypto_sign_verify_detached(
        Buffer.from(h[SignatureHeaders.signature]!, 'base64'),
        payload,
        Buffer.from(alice.publicKey, 'base64'),
      ),
    ).toBe(true);
  });

  it('fail for another body, subject, timestamp, nonce, signature or key', () => {
    const h = signed();
    expect(verifies(h, { body: new TextEncoder().encode('{"path":"hearth/globex"}') })).toBe(false);
    expect(verifies(h, { subject: 'vault.secret.write' })).toBe(false);
    expect(verifies({ ...h, [SignatureHeaders.timestamp]: String(Number(h[SignatureHeaders.timestamp]) + 1) })).toBe(
      false,
    );
    expect(verifies({ ...h, [SignatureHeaders.nonce]: 'another' })).toBe(false);
    const flipped = Buffer.from(h[SignatureHeaders.signature]!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(verifies({ ...h, [SignatureHeaders.signature]: flipped.toString('base64') })).toBe(false);
    expect(verifies(h, { publicKey: bob.publicKey })).toBe(false);
  });

  it('return false on malformed input rather than throw', () => {
    const h = signed();
    expect(verifies({ ...h, [SignatureHeaders.signature]: '%%%' })).toBe(false);
    expect(verifies(h, { publicKey: 'not-a-key' })).toBe(false);
  });
});

describe('sealed replies', () => {
  const secret = new TextEncoder().encode('{"POSTGRES_PASSWORD":"s3cret"}');

  it('open for the recipient only', () => {
    const sealed = sealTo(alice.publicKey, secret);
    expect(Buffer.from(openSealed(sealed, alice)).toString()).toBe('{"POSTGRES_PASSWORD":"s3cret"}');
    expect(() => openSealed(sealed, bob)).toThrow('cannot open sealed reply');
  });

  it("are libsodium's crypto_box_seal: its open accepts them", () => {
    const sealed = sealTo(alice.publicKey, secret);
    const pk = sodium.crypto_sign_ed25519_pk_to_curve25519(Buffer.from(alice.publicKey, 'base64'));
    const sk = sodium.crypto_sign_ed25519_sk_to_curve25519(Buffer.from(alice.secretKey, 'base64'));
    expect(Buffer.from(sodium.crypto_box_seal_open(sealed, pk, sk)).toString()).toBe('{"POSTGRES_PASSWORD":"s3cret"}');
  });

  it('differ each time for the same plaintext, and hide it', () => {
    const a = Buffer.from(sealTo(alice.publicKey, secret));
    const b = Buffer.from(sealTo(alice.publicKey, secret));
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('s3cret');
  });
});
