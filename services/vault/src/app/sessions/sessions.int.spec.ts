import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deriveSessionKeys,
  ephemeralKey,
  generatePrincipalKeys,
  HatchStream,
  openFromSession,
  openSealed,
  SealedSecret,
  SessionHeaders,
  SessionOpened,
  sessionHeaders,
  SignatureHeaders,
  VaultClient,
  VaultSubjects,
  type PrincipalKeys,
  type SessionKeys,
} from '@hearth/contracts';
import { eventMark, eventsSince, queryDatabase, streamMessages, until } from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';
import { refusal, signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const encoder = new TextEncoder();
const PATH = 'hearth/sessions/acme';
const VALUE = 'session-acme-password-1';

let h: VaultHarness;
let reader: { client: VaultClient; keys: PrincipalKeys };

beforeAll(async () => {
  h = await startVaultHarness();
  await h.root.write({ path: PATH, values: { POSTGRES_PASSWORD: VALUE } });
  reader = await h.principal('session-reader', [{ pattern: 'hearth/sessions/*', capabilities: ['read'] }]);
});
afterAll(() => h.close());

interface TestSession {
  id: string;
  keys: SessionKeys;
}

/** Signed handshakes of `actor`, one fresh client key each, answered as they come (codes unchecked). */
function handshakesOf(actor: string, secretKey: PrincipalKeys['secretKey']) {
  return () => {
    const request = { client_key: ephemeralKey().publicKey };
    return h.raw(VaultSubjects.sessionOpen, request, signAs(VaultSubjects.sessionOpen, request, actor, secretKey));
  };
}

/** The handshake as a caller makes it by hand, so the test holds the session's keys. */
async function handshake(actor: string, keys: PrincipalKeys): Promise<TestSession> {
  const own = ephemeralKey();
  const body = { client_key: own.publicKey };
  const reply = await h.raw(
    VaultSubjects.sessionOpen,
    body,
    signAs(VaultSubjects.sessionOpen, body, actor, keys.secretKey),
  );
  expect(reply.code).toBeNull();
  const opened = SessionOpened.parse(JSON.parse(reply.body));
  return {
    id: opened.session_id,
    keys: deriveSessionKeys(own.privateKey, opened.vault_key, {
      sessionId: opened.session_id,
      principal: actor,
      clientKey: own.publicKey,
      vaultKey: opened.vault_key,
    }),
  };
}

/** A read in `session` as `actor` by hand: its code, its value opened with the session's reply key. */
async function readIn(session: TestSession, actor: string, nonce = randomUUID()) {
  const body = { path: PATH };
  const auth = sessionHeaders(
    session,
    VaultSubjects.read,
    encoder.encode(JSON.stringify(body)),
    actor,
    Date.now(),
    nonce,
  );
  const reply = await h.raw(VaultSubjects.read, body, auth);
  if (reply.code !== null) return { code: reply.code, value: null, nonce };
  const sealed = SealedSecret.parse(JSON.parse(reply.body));
  const opened = openFromSession(session.keys.reply, session.id, nonce, Buffer.from(sealed.sealed, 'base64'));
  return { code: null, value: JSON.parse(Buffer.from(opened).toString()) as Record<string, string>, nonce };
}

describe('vault sessions', () => {
  it('reads in a session: MACed requests, values sealed with the session key, every read recorded', async () => {
    const seen: Array<{ mac: boolean; signature: boolean }> = [];
    const spy = h.nc.subscribe(VaultSubjects.read, {
      callback: (_error, msg) => {
        seen.push({
          mac: msg.headers?.get(SessionHeaders.mac) !== '',
          signature: msg.headers?.get(SignatureHeaders.signature) !== '',
        });
      },
    });
    const from = await eventMark(h.db.name);
    const client = new VaultClient(h.nc, 'session-reader', reader.keys);
    for (let i = 0; i < 3; i++) expect((await client.read(PATH)).values.POSTGRES_PASSWORD).toBe(VALUE);
    spy.unsubscribe();

    const events = await eventsSince(h.db.name, from);
    expect(events.map((e) => e.type)).toEqual(['SessionOpenedV1', 'SecretReadV1', 'SecretReadV1', 'SecretReadV1']);
    expect(events[0]!.metadata.actor).toBe('session-reader');
    expect(events.slice(1).every((e) => e.data.outcome === 'OK' && e.data.actor === 'session-reader')).toBe(true);
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ mac: true, signature: false })));
  });

  it('seals a read in a session so that only the session opens it, not the principal key', async () => {
    const session = await handshake('session-reader', reader.keys);
    const nonce = randomUUID();
    const body = { path: PATH };
    const auth = sessionHeaders(
      session,
      VaultSubjects.read,
      encoder.encode(JSON.stringify(body)),
      'session-reader',
      Date.now(),
      nonce,
    );
    const sealed = SealedSecret.parse(JSON.parse((await h.raw(VaultSubjects.read, body, auth)).body)).sealed;
    expect(() => openSealed(Buffer.from(sealed, 'base64'), reader.keys)).toThrow();
    expect(
      Buffer.from(openFromSession(session.keys.reply, session.id, nonce, Buffer.from(sealed, 'base64'))).toString(),
    ).toContain(VALUE);
  });

  it('serves a session opened by another vault process on the same database', async () => {
    const session = await handshake('session-reader', reader.keys);
    await h.restart();
    expect(await readIn(session, 'session-reader')).toMatchObject({ code: null, value: { POSTGRES_PASSWORD: VALUE } });
  });

  it('refuses a replayed nonce within a session, on the record', async () => {
    const session = await handshake('session-reader', reader.keys);
    const first = await readIn(session, 'session-reader');
    expect(first.code).toBeNull();
    const from = await eventMark(h.db.name);
    expect((await readIn(session, 'session-reader', first.nonce)).code).toBe('VAULT.REPLAYED_NONCE');
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'session-reader', 'VAULT.REPLAYED_NONCE', { request_id: first.nonce }),
    ]);
  });

  it("refuses a session used with another principal's key or name, on the session owner's record, burning none of its nonces", async () => {
    const owner = await handshake('session-reader', reader.keys);
    const other = await h.principal('session-other', [{ pattern: 'hearth/sessions/*', capabilities: ['read'] }]);
    const others = await handshake('session-other', other.keys);
    const from = await eventMark(h.db.name);

    // The other principal's own session keys under the owner's session id: as the owner, then as itself.
    const forged = { id: owner.id, keys: others.keys };
    const asOwner = await readIn(forged, 'session-reader');
    expect(asOwner.code).toBe('VAULT.BAD_MAC');
    expect((await readIn(forged, 'session-other')).code).toBe('VAULT.SESSION_MISMATCH');
    expect((await readIn({ id: owner.id, keys: owner.keys }, 'session-other')).code).toBe('VAULT.SESSION_MISMATCH');
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'session-reader', 'VAULT.BAD_MAC'),
      // Both mismatches name the same session with the same answer: recorded once (see below).
      refusal('SecretReadV1', 'session-reader', 'VAULT.SESSION_MISMATCH'),
    ]);
    // The forger could not burn the owner's nonce: the owner's own request with it is served.
    expect(await readIn(owner, 'session-reader', asOwner.nonce)).toMatchObject({
      code: null,
      value: { POSTGRES_PASSWORD: VALUE },
    });
  });

  it("records a stolen session id's forged requests once, however many come: its owner's record is not the forger's to flood", async () => {
    const owner = await handshake('session-reader', reader.keys);
    const forged = { id: owner.id, keys: (await handshake('session-reader', reader.keys)).keys };
    const from = await eventMark(h.db.name);
    for (let i = 0; i < 5; i++) expect((await readIn(forged, 'session-reader')).code).toBe('VAULT.BAD_MAC');
    for (let i = 0; i < 5; i++) expect((await readIn(forged, 'session-other')).code).toBe('VAULT.SESSION_MISMATCH');
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'session-reader', 'VAULT.BAD_MAC'),
      refusal('SecretReadV1', 'session-reader', 'VAULT.SESSION_MISMATCH'),
    ]);
  });

  it('refuses an unknown session unrecorded, like a bad signature', async () => {
    const from = await eventMark(h.db.name);
    const unknown = { id: randomUUID(), keys: (await handshake('session-reader', reader.keys)).keys };
    expect((await readIn(unknown, 'session-reader')).code).toBe('VAULT.SESSION_UNKNOWN');
    expect((await readIn({ ...unknown, id: 'not-a-session' }, 'session-reader')).code).toBe('VAULT.SESSION_UNKNOWN');
    expect(await h.refusalsSince(from)).toEqual([]);
  });

  it('refuses an expired session on the record, and the typed client opens another by itself', async () => {
    const keys = generatePrincipalKeys();
    await h.root.createPrincipal('session-expiring', keys.publicKey);
    await h.root.grant('session-expiring', { pattern: 'hearth/sessions/*', capabilities: ['read'] });
    const session = await handshake('session-expiring', keys);
    const client = new VaultClient(h.nc, 'session-expiring', keys);
    expect((await client.read(PATH)).values.POSTGRES_PASSWORD).toBe(VALUE);

    await queryDatabase(
      h.db.name,
      `UPDATE vault_sessions SET expires_at = now() - interval '1 second' WHERE principal = 'session-expiring'`,
    );
    await h.restart(); // a process that loads the sessions again, as another replica would
    const from = await eventMark(h.db.name);
    expect((await readIn(session, 'session-expiring')).code).toBe('VAULT.SESSION_EXPIRED');
    expect((await client.read(PATH)).values.POSTGRES_PASSWORD).toBe(VALUE);

    const events = await eventsSince(h.db.name, from);
    expect(events.map((e) => [e.type, e.data.reason ?? e.data.outcome])).toEqual([
      ['SecretReadV1', 'VAULT.SESSION_EXPIRED'], // the hand-made request
      ['SecretReadV1', 'VAULT.SESSION_EXPIRED'], // the client's, before it opened another
      ['SessionOpenedV1', undefined],
      ['SecretReadV1', 'OK'],
    ]);
  });

  it("ends a principal's sessions when it is revoked, or its key replaced, on the record", async () => {
    const keys = generatePrincipalKeys();
    await h.root.createPrincipal('session-revoked', keys.publicKey);
    await h.root.grant('session-revoked', { pattern: 'hearth/sessions/*', capabilities: ['read'] });
    const session = await handshake('session-revoked', keys);
    expect((await readIn(session, 'session-revoked')).code).toBeNull();
    const client = new VaultClient(h.nc, 'session-revoked', keys);
    await client.openSession();

    const from = await eventMark(h.db.name);
    await h.root.revokePrincipal('session-revoked');
    expect((await readIn(session, 'session-revoked')).code).toBe('VAULT.SESSION_REVOKED');
    expect(
      await queryDatabase(
        h.db.name,
        `SELECT 1 FROM vault_sessions WHERE principal = 'session-revoked' AND expires_at > now()`,
      ),
    ).toEqual([]);
    await expect(client.read(PATH)).rejects.toMatchObject({ code: 'VAULT.SESSION_REVOKED' });

    // Back under the same name with a new key: a session opened with the old one stays ended.
    const rekeyed = generatePrincipalKeys();
    await h.root.createPrincipal('session-revoked', rekeyed.publicKey);
    await h.root.grant('session-revoked', { pattern: 'hearth/sessions/*', capabilities: ['read'] });
    expect((await readIn(session, 'session-revoked')).code).toBe('VAULT.SESSION_REVOKED');
    await expect(client.read(PATH)).rejects.toMatchObject({ code: 'VAULT.BAD_SIGNATURE' });
    await expect(h.root.revokePrincipal('root')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });

    const events = await eventsSince(h.db.name, from);
    expect(events.filter((e) => e.type === 'PrincipalRevokedV1').map((e) => e.data.name)).toEqual(['session-revoked']);
    expect(await h.refusalsSince(from)).toEqual(
      expect.arrayContaining([refusal('SecretReadV1', 'session-revoked', 'VAULT.SESSION_REVOKED')]),
    );
  });

  it("refuses a revoked principal's session on the record also on a vault process that never held it, and never revives it for a principal made again with the same key", async () => {
    const keys = generatePrincipalKeys();
    const rule = { pattern: 'hearth/sessions/*', capabilities: ['read' as const] };
    await h.root.createPrincipal('session-gone', keys.publicKey);
    await h.root.grant('session-gone', rule);
    const session = await handshake('session-gone', keys);
    await h.restart(); // a replica that never saw the session
    await h.root.revokePrincipal('session-gone');
    const from = await eventMark(h.db.name);
    expect((await readIn(session, 'session-gone')).code).toBe('VAULT.SESSION_REVOKED');
    expect(await h.refusalsSince(from)).toEqual([refusal('SecretReadV1', 'session-gone', 'VAULT.SESSION_REVOKED')]);

    await h.root.createPrincipal('session-gone', keys.publicKey);
    await h.root.grant('session-gone', rule);
    expect((await readIn(session, 'session-gone')).code).toBe('VAULT.SESSION_EXPIRED');
    await h.restart();
    expect((await readIn(session, 'session-gone')).code).toBe('VAULT.SESSION_EXPIRED');
  });

  it('never revives a session a vault process holds in memory for a principal made again with the same key', async () => {
    const keys = generatePrincipalKeys();
    const rule = { pattern: 'hearth/sessions/*', capabilities: ['read' as const] };
    await h.root.createPrincipal('session-reborn', keys.publicKey);
    await h.root.grant('session-reborn', rule);
    const session = await handshake('session-reborn', keys);
    expect((await readIn(session, 'session-reborn')).code).toBeNull();
    await h.root.revokePrincipal('session-reborn');
    await h.root.createPrincipal('session-reborn', keys.publicKey);
    await h.root.grant('session-reborn', rule);
    expect((await readIn(session, 'session-reborn')).code).toBe('VAULT.SESSION_EXPIRED');
  });

  it('refuses a session opened from within a session, and one beyond the per-principal limit', async () => {
    const session = await handshake('session-reader', reader.keys);
    const body = { client_key: ephemeralKey().publicKey };
    const auth = sessionHeaders(
      session,
      VaultSubjects.sessionOpen,
      encoder.encode(JSON.stringify(body)),
      'session-reader',
    );
    expect((await h.raw(VaultSubjects.sessionOpen, body, auth)).code).toBe('VAULT.UNSIGNED');

    const open = handshakesOf('session-flood', (await h.principal('session-flood', [])).keys.secretKey);
    // The harness opened one for the principal's client already; the default limit is 256.
    for (let i = 1; i < 256; i++) expect((await open()).code).toBeNull();
    expect((await open()).code).toBe('VAULT.SESSION_LIMIT');
    expect(
      await queryDatabase(h.db.name, `SELECT 1 FROM vault_sessions WHERE principal = 'session-flood'`),
    ).toHaveLength(256);
  });

  it('holds the per-principal limit against handshakes sent all at once', async () => {
    const open = handshakesOf('session-racer', (await h.principal('session-racer', [])).keys.secretKey);
    // The client's own session is one of the 256: 300 at once leave room for 255 of them.
    const codes = (await Promise.all(Array.from({ length: 300 }, open))).map((reply) => reply.code);
    expect(codes.filter((code) => code === null)).toHaveLength(255);
    expect(codes.filter((code) => code !== null).every((code) => code === 'VAULT.SESSION_LIMIT')).toBe(true);
    expect(
      await queryDatabase(h.db.name, `SELECT 1 FROM vault_sessions WHERE principal = 'session-racer'`),
    ).toHaveLength(256);
  });

  it('never keeps, logs or publishes a session key in clear', async () => {
    const session = await handshake('session-reader', reader.keys);
    expect((await readIn(session, 'session-reader')).code).toBeNull();
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    const [{ dump }] = (await queryDatabase<{ dump: string }>(
      h.db.name,
      `SELECT (SELECT coalesce(string_agg(encode(ciphertext, 'hex') || encode(wrapped_dek, 'hex') || principal_key, ''), '') FROM vault_sessions)
           || (SELECT coalesce(string_agg(data::text || metadata::text, ''), '') FROM events)
           || (SELECT coalesce(string_agg(payload, ''), '') FROM audit_journal) AS dump`,
    )) as [{ dump: string }];
    const hatch = (await streamMessages(await jetstreamManager(h.nc), HatchStream.name))
      .map((m) => Buffer.from(m.data).toString())
      .join('\n');
    expect(dump).toContain(session.id);
    for (const key of [session.keys.mac, session.keys.reply]) {
      for (const text of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
        expect(dump).not.toContain(text);
        expect(hatch).not.toContain(text);
        expect(h.logs.join('\n')).not.toContain(text);
      }
    }
  });
});
