import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  deriveSessionKeys,
  ephemeralKey,
  generatePrincipalKeys,
  openFromSession,
  openSealed,
  SealedSecret,
  ServiceErrorHeaders,
  SessionHeaders,
  SessionOpened,
  sessionHeaders,
  signRequest,
  VaultClient,
  VaultSubjects,
  type PrincipalKeys,
  type SessionKeys,
} from '@hearth/contracts';
import { queryDatabase, startNats, startVaultProcess, until, type RunningVault, type TestNats } from '@hearth/testkit';
import { connect, headers, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes, randomUUID } from 'node:crypto';

const encoder = new TextEncoder();
const PATH = 'hearth/session-victim';

/**
 * Sessions, attacked against the vault as a process: a subscriber that sees a session's requests and
 * replies go by, another principal holding the victim's session id, a principal revoked while its
 * session is live, a handshake with a key that agrees on nothing, and a flood of made-up sessions.
 */
describe('attack: vault sessions', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let nc: NatsConnection;
  let root: VaultClient;
  const canary = `canary-${randomBytes(16).toString('hex')}`;

  /** A request with these headers: its error code (null when answered) and body. */
  const send = async (subject: string, body: unknown, auth: Record<string, string> | MsgHdrs) => {
    let h: MsgHdrs;
    if ('get' in auth && typeof auth.get === 'function') h = auth as MsgHdrs;
    else {
      h = headers();
      for (const [name, value] of Object.entries(auth as Record<string, string>)) h.set(name, value);
    }
    const reply = await nc.request(subject, typeof body === 'string' ? body : JSON.stringify(body), {
      timeout: 10_000,
      headers: h,
    });
    return { code: reply.headers?.get(ServiceErrorHeaders.code) || null, body: reply.string() };
  };
  const handshake = async (actor: string, keys: PrincipalKeys, own = ephemeralKey()) => {
    const body = { client_key: own.publicKey };
    const bytes = encoder.encode(JSON.stringify(body));
    const reply = await send(
      VaultSubjects.sessionOpen,
      body,
      signRequest(VaultSubjects.sessionOpen, bytes, actor, keys.secretKey),
    );
    if (reply.code) return { code: reply.code, session: null };
    const opened = SessionOpened.parse(JSON.parse(reply.body));
    const agreement = {
      sessionId: opened.session_id,
      principal: actor,
      clientKey: own.publicKey,
      vaultKey: opened.vault_key,
    };
    return {
      code: null,
      session: { id: opened.session_id, keys: deriveSessionKeys(own.privateKey, opened.vault_key, agreement) },
    };
  };
  const readIn = (session: { id: string; keys: SessionKeys }, actor: string, nonce = randomUUID()) => {
    const body = { path: PATH };
    return send(
      VaultSubjects.read,
      body,
      sessionHeaders(session, VaultSubjects.read, encoder.encode(JSON.stringify(body)), actor, Date.now(), nonce),
    );
  };
  const refusals = async (actor: string) =>
    (
      await queryDatabase<{ reason: string }>(
        vault.db.name,
        `SELECT data->>'reason' AS reason FROM events WHERE type = 'SecretReadV1' AND data->>'actor' = $1
           AND data->>'outcome' <> 'OK' ORDER BY global_position`,
        [actor],
      )
    ).map((r) => r.reason);
  const principal = async (name: string) => {
    const keys = generatePrincipalKeys();
    await root.createPrincipal(name, keys.publicKey);
    await root.grant(name, { pattern: 'hearth/*', capabilities: ['read'] });
    return keys;
  };

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats();
    vault = await startVaultProcess(nats.url, { LOG_LEVEL: 'info', VAULT_PRINCIPAL_CACHE_ENTRIES: '100' });
    nc = await connect({ servers: nats.url });
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    await root.write({ path: PATH, values: { TOKEN: canary } });
  });
  afterAll(async () => {
    await nc?.close();
    await vault?.stop();
    await nats?.stop();
  });

  it('an eavesdropper on a session learns no value, and can neither replay nor alter what it saw', async () => {
    const keys = await principal('victim-eavesdropped');
    const victim = new VaultClient(nc, 'victim-eavesdropped', keys);
    const seen: Msg[] = [];
    const everything = nc.subscribe('>', { callback: (_error, msg) => void seen.push(msg) });
    await nc.flush();
    try {
      expect((await victim.read(PATH)).values.TOKEN).toBe(canary);
      await until(() => seen.some((m) => m.subject === VaultSubjects.read), { what: 'the read seen on the bus' });
    } finally {
      everything.unsubscribe();
    }
    const text = seen
      .map((m) => `${m.subject} ${[...(m.headers ?? [])].flat(2).join(' ')} ${Buffer.from(m.data).toString('latin1')}`)
      .join('\n');
    for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')])
      expect({ form, found: text.includes(form) }).toEqual({ form, found: false });

    // The sealed reply does not open with the principal's own key: only the session's opens it.
    const reply = seen.find((m) => m.subject.startsWith('_INBOX') && m.string().includes('"sealed"'))!;
    expect(() => openSealed(Buffer.from(SealedSecret.parse(reply.json()).sealed, 'base64'), keys)).toThrow();

    const request = seen.find((m) => m.subject === VaultSubjects.read)!;
    expect(request.headers?.get(SessionHeaders.mac)).not.toBe('');
    expect(await send(VaultSubjects.read, request.string(), request.headers!)).toMatchObject({
      code: 'VAULT.REPLAYED_NONCE',
    });
    // The same MAC with a nonce of the eavesdropper's own, to pass the replay check, does not verify.
    const altered = headers();
    for (const [name, values] of request.headers!) altered.set(name, values[0]!);
    altered.set(SessionHeaders.nonce, randomUUID());
    expect(await send(VaultSubjects.read, request.string(), altered)).toMatchObject({ code: 'VAULT.BAD_MAC' });
    expect(await refusals('victim-eavesdropped')).toEqual(['VAULT.REPLAYED_NONCE', 'VAULT.BAD_MAC']);
  });

  it("another principal holding the victim's session id reads nothing, and is on the victim's record", async () => {
    const { session: victim } = await handshake('victim-session', await principal('victim-session'));
    const { session: thief } = await handshake('session-thief', await principal('session-thief'));
    const stolen = { id: victim!.id, keys: thief!.keys };
    for (const actor of ['victim-session', 'session-thief']) {
      const reply = await readIn(stolen, actor);
      expect(reply.code).toMatch(/^VAULT\.(BAD_MAC|SESSION_MISMATCH)$/);
      expect(reply.body).not.toContain('sealed');
    }
    expect(await refusals('victim-session')).toEqual(['VAULT.BAD_MAC', 'VAULT.SESSION_MISMATCH']);
    expect(await refusals('session-thief')).toEqual([]);
  });

  it('a revoked principal reads nothing more in a session it opened before', async () => {
    const keys = await principal('revoked-insider');
    const { session } = await handshake('revoked-insider', keys);
    const nonce = randomUUID();
    const first = await readIn(session!, 'revoked-insider', nonce);
    expect(first.code).toBeNull();
    const sealed = Buffer.from(SealedSecret.parse(JSON.parse(first.body)).sealed, 'base64');
    expect(Buffer.from(openFromSession(session!.keys.reply, session!.id, nonce, sealed)).toString()).toContain(canary);

    await root.revokePrincipal('revoked-insider');
    expect((await readIn(session!, 'revoked-insider')).code).toBe('VAULT.SESSION_REVOKED');
    expect((await handshake('revoked-insider', keys)).code).toBe('VAULT.BAD_SIGNATURE');
    expect(await refusals('revoked-insider')).toEqual(['VAULT.SESSION_REVOKED']);
  });

  it('a handshake with a key that agrees on nothing is refused, and opens no session', async () => {
    const keys = await principal('weak-handshake');
    const body = { client_key: Buffer.alloc(32).toString('base64') };
    const bytes = encoder.encode(JSON.stringify(body));
    const reply = await send(
      VaultSubjects.sessionOpen,
      body,
      signRequest(VaultSubjects.sessionOpen, bytes, 'weak-handshake', keys.secretKey),
    );
    expect(reply.code).toBe('HEARTH.INVALID_REQUEST');
    expect(
      await queryDatabase(vault.db.name, `SELECT 1 FROM vault_sessions WHERE principal = 'weak-handshake'`),
    ).toEqual([]);
  });

  it('a flood of made-up sessions is refused unrecorded, and the vault goes on serving', async () => {
    const [{ n: before }] = (await queryDatabase<{ n: number }>(
      vault.db.name,
      'SELECT count(*)::int AS n FROM events',
    )) as [{ n: number }];
    const made = { id: '', keys: { mac: randomBytes(32), reply: randomBytes(32) } };
    const codes = await Promise.all(
      Array.from({ length: 300 }, () => readIn({ ...made, id: randomUUID() }, 'root').then((r) => r.code)),
    );
    expect(new Set(codes)).toEqual(new Set(['VAULT.SESSION_UNKNOWN']));
    const [{ n: after }] = (await queryDatabase<{ n: number }>(
      vault.db.name,
      'SELECT count(*)::int AS n FROM events',
    )) as [{ n: number }];
    expect(after).toBe(before);
    expect((await root.read(PATH)).values.TOKEN).toBe(canary);
  });
});
