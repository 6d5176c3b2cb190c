import { beforeAll, describe, expect, it } from '@jest/globals';
import sodium from 'libsodium-wrappers-sumo';
import { cryptoBoxSeal, sealValuesForVault } from './seal';

describe('the browser seal', () => {
  beforeAll(async () => {
    await sodium.ready;
  });

  it("opens with libsodium's crypto_box_seal_open", () => {
    const pair = sodium.crypto_box_keypair();
    const plaintext = new TextEncoder().encode('correct horse battery staple');
    const sealed = cryptoBoxSeal(plaintext, pair.publicKey);
    expect(sealed.length).toBe(plaintext.length + sodium.crypto_box_SEALBYTES);
    const opened = sodium.crypto_box_seal_open(sealed, pair.publicKey, pair.privateKey);
    expect(new TextDecoder().decode(opened)).toBe('correct horse battery staple');
  });

  it('seals an empty and a long message alike', () => {
    const pair = sodium.crypto_box_keypair();
    for (const size of [0, 1, 63, 64, 65, 10_000]) {
      const plaintext = sodium.randombytes_buf(size);
      const opened = sodium.crypto_box_seal_open(
        cryptoBoxSeal(plaintext, pair.publicKey),
        pair.publicKey,
        pair.privateKey,
      );
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    }
  });

  it('does not open for another key', () => {
    const pair = sodium.crypto_box_keypair();
    const other = sodium.crypto_box_keypair();
    const sealed = cryptoBoxSeal(new Uint8Array([1, 2, 3]), pair.publicKey);
    expect(() => sodium.crypto_box_seal_open(sealed, other.publicKey, other.privateKey)).toThrow();
  });

  it("seals a write's values with their path, as the vault expects, to a base64 seal key", () => {
    const pair = sodium.crypto_box_keypair();
    const key = Buffer.from(pair.publicKey).toString('base64');
    const sealed = sealValuesForVault(key, 'hearth/acme/db', { password: 's3cret' });
    const opened = sodium.crypto_box_seal_open(Buffer.from(sealed, 'base64'), pair.publicKey, pair.privateKey);
    expect(JSON.parse(new TextDecoder().decode(opened))).toEqual({
      path: 'hearth/acme/db',
      values: { password: 's3cret' },
    });
  });

  it('refuses a seal key that is not 32 bytes of base64', () => {
    expect(() => sealValuesForVault('AAAA', 'a', {})).toThrow(/seal public key/);
  });
});
