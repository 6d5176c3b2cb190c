import { beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  BusSigner,
  BusVerifier,
  rawPublicKeyOf,
  REPLY_KEY_TTL_MS,
  ReplyKeys,
  replyMac,
  ServiceKeys,
  verifyReplyMac,
  type ReplyBinding,
  type ReplyKey,
} from './bus-signature.js';
import { ErrorCode } from './errors.js';
import { cryptoReady, sealTo } from './vault-crypto.js';

const consoleKey = generateKeyPairSync('ed25519');
const vaultKey = generateKeyPairSync('ed25519');
const asConsole = new BusSigner('console', consoleKey.privateKey);
const encoder = new TextEncoder();

const binding: ReplyBinding = {
  service: 'console',
  subject: 'console.deployment.get',
  nonce: 'n0nce-of-the-request',
  request: encoder.encode('{"slug":"acme"}'),
};
const reply = encoder.encode('{"workspace_slug":"acme"}');

const codeOf = (act: () => unknown) => {
  try {
    act();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'accepted';
};

beforeAll(() => cryptoReady());

describe('a reply MAC', () => {
  const key = randomBytes(32);
  const mac = replyMac(key, binding, reply).toString('base64');

  it('is accepted for exactly the binding and bytes it was made over', () => {
    expect(codeOf(() => verifyReplyMac(key, binding, reply, mac))).toBe('accepted');
  });

  it.each<[string, () => [Uint8Array, ReplyBinding, Uint8Array]]>([
    ['another reply key', () => [randomBytes(32), binding, reply]],
    ['another service', () => [key, { ...binding, service: 'vault' }, reply]],
    ['another subject', () => [key, { ...binding, subject: 'console.workspace.scope' }, reply]],
    ['another nonce', () => [key, { ...binding, nonce: 'n0nce-of-another' }, reply]],
    ['another request', () => [key, { ...binding, request: encoder.encode('{"slug":"gone"}') }, reply]],
    ['changed reply bytes', () => [key, binding, encoder.encode('null')]],
    // Length prefixes: a byte moved from the subject to the nonce is another binding.
    [
      'a byte moved between parts',
      () => [key, { ...binding, subject: 'console.deployment.ge', nonce: `t${binding.nonce}` }, reply],
    ],
  ])('is refused with %s', (_what, other) => {
    const [otherKey, otherBinding, otherReply] = other();
    expect(codeOf(() => verifyReplyMac(otherKey, otherBinding, otherReply, mac))).toBe(ErrorCode.BusBadSignature);
  });

  it('is refused when missing, malformed or cut short', () => {
    expect(codeOf(() => verifyReplyMac(key, binding, reply, undefined))).toBe(ErrorCode.BusUnsigned);
    expect(codeOf(() => verifyReplyMac(key, binding, reply, 'not base64 at all!'))).toBe(ErrorCode.BusBadSignature);
    const short = Buffer.from(mac, 'base64').subarray(0, 16).toString('base64');
    expect(codeOf(() => verifyReplyMac(key, binding, reply, short))).toBe(ErrorCode.BusBadSignature);
  });
});

describe('reply keys between a caller and a service', () => {
  const request = { subject: binding.subject, nonce: binding.nonce, bytes: binding.request };
  const macOf = (sealed: string) => asConsole.macReply(request, reply, sealed);

  it('let only the service the key was sealed to answer', async () => {
    const { key, sealed } = await new ReplyKeys(consoleKey.publicKey).current();
    const mac = await macOf(sealed);
    expect(codeOf(() => verifyReplyMac(key, binding, reply, mac))).toBe('accepted');
    // The vault can open no key sealed to the console; one sealed to the vault, the console refuses.
    await expect(new BusSigner('vault', vaultKey.privateKey).macReply(request, reply, sealed)).rejects.toMatchObject({
      code: ErrorCode.BusBadReplyKey,
    });
    const toVault = await new ReplyKeys(vaultKey.publicKey).current();
    await expect(macOf(toVault.sealed)).rejects.toMatchObject({ code: ErrorCode.BusBadReplyKey });
  });

  it('refuse junk in the header with a coded error', async () => {
    const sealedOfLength = (bytes: number) =>
      Buffer.from(sealTo(rawPublicKeyOf(consoleKey.publicKey), randomBytes(bytes))).toString('base64');
    const genuine = (await new ReplyKeys(consoleKey.publicKey).current()).sealed;
    const tampered = Buffer.from(genuine, 'base64');
    tampered[40] = tampered[40]! ^ 1;
    for (const junk of [
      'not a key',
      randomBytes(80).toString('base64'), // the right length, sealed by nobody
      tampered.toString('base64'),
      sealedOfLength(16), // sealed to the console, but no 32-byte key
      `${genuine} `,
    ]) {
      await expect(macOf(junk)).rejects.toMatchObject({ code: ErrorCode.BusBadReplyKey });
    }
  });

  it('are renewed by the caller once REPLY_KEY_TTL_MS has passed, and kept until then', async () => {
    let now = 1_000_000;
    const keys = new ReplyKeys(consoleKey.publicKey, () => now);
    const first: ReplyKey = await keys.current();
    now += REPLY_KEY_TTL_MS - 1;
    expect(await keys.current()).toBe(first);
    now += 1;
    const renewed = await keys.current();
    expect(renewed.sealed).not.toBe(first.sealed);
    expect(renewed.key.equals(first.key)).toBe(false);
    // The service answers under the new key as under the old (each opened on first sight).
    const mac = await macOf(renewed.sealed);
    expect(codeOf(() => verifyReplyMac(renewed.key, binding, reply, mac))).toBe('accepted');
  });
});

describe('a signed reply', () => {
  const pinned = new ServiceKeys({
    console: rawPublicKeyOf(consoleKey.publicKey),
    vault: rawPublicKeyOf(vaultKey.publicKey),
    hatch: rawPublicKeyOf(generateKeyPairSync('ed25519').publicKey),
    'driver-localdocker': rawPublicKeyOf(generateKeyPairSync('ed25519').publicKey),
  });
  const verifier = new BusVerifier(pinned);
  const request = { subject: binding.subject, nonce: binding.nonce, bytes: binding.request };
  const body = { workspace_slug: 'acme' };
  const signature = asConsole.signReply(request.subject, request.nonce, request.bytes, body);
  const verdict = (asked: typeof request, answered: unknown, from: 'console' | 'vault' = 'console') =>
    codeOf(() => verifier.verifyReply(from, asked, answered, signature));

  it('holds for the request it answers, and for no other request, body or signer', () => {
    expect(verdict(request, body)).toBe('accepted');
    // The same subject and nonce with other request bytes: a reply meant for one request never answers another.
    expect(verdict({ ...request, bytes: encoder.encode('{"slug":"evil"}') }, body)).toBe(ErrorCode.BusBadSignature);
    expect(verdict({ ...request, nonce: 'another-nonce' }, body)).toBe(ErrorCode.BusBadSignature);
    expect(verdict({ ...request, subject: 'console.workspace.scope' }, body)).toBe(ErrorCode.BusBadSignature);
    expect(verdict(request, { workspace_slug: 'evil' })).toBe(ErrorCode.BusBadSignature);
    expect(verdict(request, body, 'vault')).toBe(ErrorCode.BusBadSignature);
    expect(codeOf(() => verifier.verifyReply('console', request, body, undefined))).toBe(ErrorCode.BusUnsigned);
  });
});
