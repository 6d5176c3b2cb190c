import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { cryptoReady } from './vault-crypto.js';
import {
  deriveSessionKeys,
  ephemeralKey,
  openFromSession,
  sealForSession,
  sessionHeaders,
  SessionHeaders,
  SessionOpenRequest,
  verifySessionMac,
  type SessionKeys,
} from './vault-session.js';

const subject = 'vault.secret.read';
const body = new TextEncoder().encode('{"path":"hearth/acme"}');

beforeAll(() => cryptoReady());

/** Both sides of one handshake, as the client and the vault each derive it. */
function handshake(principal = 'acme-app', sessionId: string = randomUUID()) {
  const client = ephemeralKey();
  const vault = ephemeralKey();
  const agreement = { sessionId, principal, clientKey: client.publicKey, vaultKey: vault.publicKey };
  return {
    sessionId,
    client: deriveSessionKeys(client.privateKey, vault.publicKey, agreement),
    vault: deriveSessionKeys(vault.privateKey, client.publicKey, agreement),
  };
}

const hex = (keys: SessionKeys) => keys.mac.toString('hex') + keys.reply.toString('hex');

describe('a session handshake', () => {
  it('gives both sides the same two keys, different from each other', () => {
    const { client, vault } = handshake();
    expect(hex(client)).toBe(hex(vault));
    expect(client.mac.equals(client.reply)).toBe(false);
    expect(client.mac).toHaveLength(32);
  });

  it('binds the keys to the principal and the session: the same ephemeral keys agree other keys for another', () => {
    const client = ephemeralKey();
    const vault = ephemeralKey();
    const base = {
      sessionId: randomUUID(),
      principal: 'acme-app',
      clientKey: client.publicKey,
      vaultKey: vault.publicKey,
    };
    const keys = (agreement: typeof base) => hex(deriveSessionKeys(vault.privateKey, client.publicKey, agreement));
    expect(keys({ ...base, principal: 'other-app' })).not.toBe(keys(base));
    expect(keys({ ...base, sessionId: randomUUID() })).not.toBe(keys(base));
  });

  it('is fresh every time: two handshakes never share keys', () => {
    expect(hex(handshake().client)).not.toBe(hex(handshake().client));
  });

  it('refuses a small-order public key, which would agree on nothing secret', () => {
    const vault = ephemeralKey();
    const zero = Buffer.alloc(32).toString('base64');
    const agreement = { sessionId: randomUUID(), principal: 'p', clientKey: zero, vaultKey: vault.publicKey };
    expect(() => deriveSessionKeys(vault.privateKey, zero, agreement)).toThrow();
  });

  it('takes only a 32-byte canonical base64 key in an open request', () => {
    expect(SessionOpenRequest.safeParse({ client_key: ephemeralKey().publicKey }).success).toBe(true);
    expect(SessionOpenRequest.safeParse({ client_key: Buffer.alloc(31).toString('base64') }).success).toBe(false);
    expect(SessionOpenRequest.safeParse({ client_key: 'not base64!' }).success).toBe(false);
  });
});

describe('a request within a session', () => {
  it("verifies by the session's MAC over subject, timestamp, nonce and body", () => {
    const { sessionId, client, vault } = handshake();
    const headers = sessionHeaders({ id: sessionId, keys: client }, subject, body, 'acme-app');
    const [timestamp, nonce, mac] = [
      headers[SessionHeaders.timestamp]!,
      headers[SessionHeaders.nonce]!,
      headers[SessionHeaders.mac]!,
    ];
    expect(headers[SessionHeaders.session]).toBe(sessionId);
    expect(verifySessionMac(vault.mac, subject, timestamp, nonce, body, mac)).toBe(true);
    // Each part it covers, changed, fails it.
    expect(verifySessionMac(vault.mac, 'vault.secret.write', timestamp, nonce, body, mac)).toBe(false);
    expect(verifySessionMac(vault.mac, subject, String(Number(timestamp) + 1), nonce, body, mac)).toBe(false);
    expect(verifySessionMac(vault.mac, subject, timestamp, `${nonce}x`, body, mac)).toBe(false);
    expect(verifySessionMac(vault.mac, subject, timestamp, nonce, new TextEncoder().encode('{}'), mac)).toBe(false);
    // Another session's key, and malformed MACs, fail without a throw.
    expect(verifySessionMac(handshake().vault.mac, subject, timestamp, nonce, body, mac)).toBe(false);
    for (const bad of ['', 'AAAA', `${mac}=`, mac.slice(0, -2)])
      expect(verifySessionMac(vault.mac, subject, timestamp, nonce, body, bad)).toBe(false);
  });

  it('gets its value sealed for this session and this request only', () => {
    const { sessionId, client, vault } = handshake();
    const value = new TextEncoder().encode('{"POSTGRES_PASSWORD":"s3cret"}');
    const sealed = sealForSession(vault.reply, sessionId, 'nonce-1', value);
    expect(Buffer.from(sealed).includes(Buffer.from('s3cret'))).toBe(false);
    expect(Buffer.from(openFromSession(client.reply, sessionId, 'nonce-1', sealed)).toString()).toBe(
      '{"POSTGRES_PASSWORD":"s3cret"}',
    );
    // A reply to another request, or of another session, does not open as this one's.
    expect(() => openFromSession(client.reply, sessionId, 'nonce-2', sealed)).toThrow('cannot open sealed reply');
    expect(() => openFromSession(client.reply, randomUUID(), 'nonce-1', sealed)).toThrow('cannot open sealed reply');
    expect(() => openFromSession(handshake().client.reply, sessionId, 'nonce-1', sealed)).toThrow(
      'cannot open sealed reply',
    );
    const tampered = Uint8Array.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => openFromSession(client.reply, sessionId, 'nonce-1', tampered)).toThrow('cannot open sealed reply');
  });
});
