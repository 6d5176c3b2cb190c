import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  generatePrincipalKeys,
  HatchStream,
  SignatureHeaders,
  signRequest,
  VaultClient,
  VaultSubjects,
} from '@hearth/contracts';
import { streamMessages } from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const encoder = new TextEncoder();

describe('the audited read', () => {
  let h: VaultHarness;
  let acme: VaultClient;
  let acmeKeys: ReturnType<typeof generatePrincipalKeys>;
  const reads = (outcome: string) =>
    h.running.runtime.dataSource.query<[{ n: number }]>(
      "SELECT count(*)::int AS n FROM events WHERE type = 'SecretReadV1' AND data->>'outcome' = $1",
      [outcome],
    );

  beforeAll(async () => {
    h = await startVaultHarness();
    await h.root.write({
      path: 'hearth/acme',
      values: { POSTGRES_PASSWORD: 'acme-password-1' },
      provider: 'AUTO_MANAGED',
    });
    await h.root.write({ path: 'hearth/globex', values: { POSTGRES_PASSWORD: 'globex-password-1' } });
    ({ client: acme, keys: acmeKeys } = await h.principal('acme-app', [
      { pattern: 'hearth/acme/*', capabilities: ['read'] },
    ]));
  });
  afterAll(() => h?.close());

  /** The newest event's position: what a test records from here on is what came after it. */
  const mark = async () =>
    (
      await h.running.runtime.dataSource.query<[{ p: string }]>(
        'SELECT COALESCE(max(global_position), 0)::text AS p FROM events',
      )
    )[0].p;
  /** Refusals recorded since `from`: the type, and actor, capability, outcome, reason and path of each. */
  const refusedSince = (from: string) =>
    h.running.runtime.dataSource.query<Array<{ type: string; data: Record<string, unknown> }>>(
      `SELECT type, data FROM events WHERE global_position > $1::bigint
         AND type IN ('SecretReadV1', 'AccessDeniedV1') AND data->>'outcome' <> 'OK' ORDER BY global_position`,
      [from],
    );
  const refusal = (type: string, actor: string, reason: string, more: Record<string, unknown> = {}) => ({
    type,
    data: expect.objectContaining({ actor, outcome: 'DENIED', reason, ...more }) as unknown,
  });
  /** Signature headers for `body` as `actor`, to send (and send again) with `raw`. */
  const signAs = (subject: string, body: unknown, actor: string, secretKey: string, now?: number) =>
    signRequest(subject, encoder.encode(JSON.stringify(body)), actor, secretKey, now);

  /** A raw request with whatever headers a test wants, as an attacker on the bus could send. */
  async function raw(subject: string, body: unknown, extra: Record<string, string> = {}) {
    const h2 = headers();
    for (const [k, v] of Object.entries(extra)) h2.set(k, v);
    const msg = await h.nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 5_000, headers: h2 });
    return { code: msg.headers?.get('Nats-Service-Error-Code') ?? null, body: msg.string() };
  }

  it('returns the value sealed to the caller, after its read event committed', async () => {
    const [{ n: before }] = await reads('OK');
    const read = await acme.read('hearth/acme');
    expect(read.values).toEqual({ POSTGRES_PASSWORD: 'acme-password-1' });
    const [{ n: after }] = await reads('OK');
    expect(after).toBe(before + 1);
    const [event] = await h.running.runtime.dataSource.query<[{ data: Record<string, unknown> }]>(
      'SELECT data FROM events WHERE event_id = $1',
      [read.read_event_id],
    );
    expect(event.data).toMatchObject({
      actor: 'acme-app',
      path: 'hearth/acme',
      version: 1,
      workspace_slug: 'acme',
      outcome: 'OK',
    });
    expect(JSON.stringify(event.data)).not.toContain('acme-password-1');
  });

  it('is sealed on the wire: a bus subscriber sees ciphertext only', async () => {
    const seen: string[] = [];
    const sub = h.nc.subscribe('_INBOX.>', {
      callback: (_e, m) => {
        seen.push(Buffer.from(m.data).toString('latin1'));
      },
    });
    await acme.read('hearth/acme');
    await sleep(100);
    sub.unsubscribe();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.join('')).not.toContain('acme-password-1');
    // and the sealed reply cannot be opened with another key
    const other = new VaultClient(h.nc, 'acme-app', { ...acmeKeys, secretKey: generatePrincipalKeys().secretKey });
    await expect(other.read('hearth/acme')).rejects.toMatchObject({ code: 'VAULT.BAD_SIGNATURE' });
  });

  it('refuses an unsigned request', async () => {
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' })).code).toBe('VAULT.UNSIGNED');
  });

  it('refuses a request signed with the wrong key, or by another signer than the claimed actor', async () => {
    const intruder = generatePrincipalKeys();
    const body = encoder.encode(JSON.stringify({ path: 'hearth/acme' }));
    const forged = signRequest(VaultSubjects.read, body, 'acme-app', intruder.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, forged)).code).toBe('VAULT.BAD_SIGNATURE');
    const rootSigned = signRequest(VaultSubjects.read, body, 'root', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, rootSigned)).code).toBe('VAULT.BAD_SIGNATURE');
  });

  it('refuses a replayed nonce and a stale timestamp, recording each as DENIED with its reason', async () => {
    const from = await mark();
    const signed = signAs(VaultSubjects.read, { path: 'hearth/acme' }, 'acme-app', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, signed)).code).toBeNull();
    const replay = await raw(VaultSubjects.read, { path: 'hearth/acme' }, signed);
    expect(replay.code).toBe('VAULT.REPLAYED_NONCE');
    expect(replay.body).not.toContain('sealed');

    const stale = signAs(
      VaultSubjects.read,
      { path: 'hearth/acme' },
      'acme-app',
      acmeKeys.secretKey,
      Date.now() - 60_000,
    );
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, stale)).code).toBe('VAULT.STALE_REQUEST');
    expect(await refusedSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE'),
      refusal('SecretReadV1', 'acme-app', 'VAULT.STALE_REQUEST'),
    ]);
  });

  it('burns the nonce of a refused request: replayed, it is a replay, and however often, recorded once', async () => {
    const from = await mark();
    const denied = signAs(VaultSubjects.read, { path: 'hearth/globex' }, 'acme-app', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/globex' }, denied)).code).toBe('VAULT.POLICY_DENIED');
    for (let n = 0; n < 5; n++)
      expect((await raw(VaultSubjects.read, { path: 'hearth/globex' }, denied)).code).toBe('VAULT.REPLAYED_NONCE');

    const accepted = signAs(VaultSubjects.read, { path: 'hearth/acme' }, 'acme-app', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, accepted)).code).toBeNull();
    for (let n = 0; n < 5; n++)
      expect((await raw(VaultSubjects.read, { path: 'hearth/acme' }, accepted)).code).toBe('VAULT.REPLAYED_NONCE');

    const badWrite = { path: 'hearth/../x', values: { K: 'v' } };
    const write = signAs(VaultSubjects.write, badWrite, 'acme-app', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.write, badWrite, write)).code).toBe('VAULT.INVALID_PATH');
    for (let n = 0; n < 5; n++)
      expect((await raw(VaultSubjects.write, badWrite, write)).code).toBe('VAULT.REPLAYED_NONCE');

    expect(await refusedSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/acme' }),
      refusal('AccessDeniedV1', 'acme-app', 'VAULT.INVALID_PATH', { capability: 'write', path: 'hearth/../x' }),
      refusal('AccessDeniedV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { capability: 'write', path: 'hearth/../x' }),
    ]);
  });

  it('answers replays sent at the same moment each as a replay, recorded once', async () => {
    const from = await mark();
    const denied = signAs(VaultSubjects.read, { path: 'hearth/globex' }, 'acme-app', acmeKeys.secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/globex' }, denied)).code).toBe('VAULT.POLICY_DENIED');
    const replays = await Promise.all(
      Array.from({ length: 20 }, () => raw(VaultSubjects.read, { path: 'hearth/globex' }, denied)),
    );
    expect(replays.map((r) => r.code)).toEqual(Array(20).fill('VAULT.REPLAYED_NONCE'));
    expect(await refusedSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex' }),
      refusal('SecretReadV1', 'acme-app', 'VAULT.REPLAYED_NONCE', { path: 'hearth/globex' }),
    ]);
  });

  it('refuses a body that is not the one signed', async () => {
    const signed = signRequest(
      VaultSubjects.read,
      encoder.encode(JSON.stringify({ path: 'hearth/acme' })),
      'acme-app',
      acmeKeys.secretKey,
    );
    expect((await raw(VaultSubjects.read, { path: 'hearth/globex' }, signed)).code).toBe('VAULT.BAD_SIGNATURE');
    expect(signed[SignatureHeaders.signature]).toBeTruthy();
  });

  it("denies another workspace's path and records it", async () => {
    const from = await mark();
    await expect(acme.read('hearth/globex')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await refusedSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex', workspace_slug: 'globex' }),
    ]);
  });

  it('matches policy patterns by whole segments: hearth/acme/* is not hearth/acme2', async () => {
    await h.root.write({ path: 'hearth/acme2', values: { POSTGRES_PASSWORD: 'acme2-password-1' } });
    await h.root.write({ path: 'hearth/acme/api', values: { API_KEY: 'acme-api-key-1' } });
    expect((await acme.read('hearth/acme/api')).values.API_KEY).toBe('acme-api-key-1');
    await expect(acme.read('hearth/acme2')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it('refuses a grant whose * is not a whole last segment, and stores no rule', async () => {
    await expect(h.root.grant('acme-app', { pattern: 'hearth/globex*', capabilities: ['read'] })).rejects.toMatchObject(
      { code: 'VAULT.INVALID_PATTERN' },
    );
    const rules = await h.running.runtime.dataSource.query<Array<{ pattern: string }>>(
      "SELECT pattern FROM policy_rules WHERE principal = 'acme-app'",
    );
    expect(rules.map((r) => r.pattern)).toEqual(['hearth/acme/*']);
  });

  it('stops a principal the moment its rule is revoked', async () => {
    const { client } = await h.principal('short-lived', [{ pattern: 'hearth/acme', capabilities: ['read'] }]);
    expect((await client.read('hearth/acme')).version).toBe(1);
    await h.root.revoke('short-lived', 'hearth/acme');
    await expect(client.read('hearth/acme')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it.each([
    ['traversal', 'hearth/../x', 'hearth/../x'],
    ['percent-encoded traversal', 'hearth/%2e%2e/x', 'hearth/%2e%2e/x'],
    ['a double slash', 'hearth//x', 'hearth//x'],
    ['a NUL', 'hearth/a\u0000', 'hearth/a\\u0000'],
    ['a control character', 'hearth/a\u0007', 'hearth/a\\u0007'],
    ['a leading slash', '/hearth/acme', '/hearth/acme'],
  ])('refuses a path with %s, on the record as DENIED for its signer', async (_, path, recorded) => {
    const from = await mark();
    await expect(acme.read(path)).rejects.toMatchObject({ code: 'VAULT.INVALID_PATH' });
    expect(await refusedSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.INVALID_PATH', { path: recorded }),
    ]);
  });

  it('records nothing for a request whose signer is unknown: unsigned, or signed with the wrong key', async () => {
    const from = await mark();
    expect((await raw(VaultSubjects.read, { path: 'hearth/../x' })).code).toBe('VAULT.UNSIGNED');
    const forged = signAs(VaultSubjects.read, { path: 'hearth/../x' }, 'acme-app', generatePrincipalKeys().secretKey);
    expect((await raw(VaultSubjects.read, { path: 'hearth/../x' }, forged)).code).toBe('VAULT.BAD_SIGNATURE');
    expect(await refusedSince(from)).toEqual([]);
  });

  it('records a missing path as NOT_FOUND and an expired one as EXPIRED', async () => {
    await h.root.write({
      path: 'hearth/acme/old',
      values: { TOKEN_A: 'expired-value' },
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    const [{ n: missingBefore }] = await reads('NOT_FOUND');
    const [{ n: expiredBefore }] = await reads('EXPIRED');
    await expect(acme.read('hearth/acme/none')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    await expect(acme.read('hearth/acme/old')).rejects.toMatchObject({ code: 'VAULT.SECRET_EXPIRED' });
    expect((await reads('NOT_FOUND'))[0].n).toBe(missingBefore + 1);
    expect((await reads('EXPIRED'))[0].n).toBe(expiredBefore + 1);
  });

  it('returns no value when the read cannot be committed', async () => {
    const ds = h.running.runtime.dataSource;
    await ds.query(`CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.type = 'SecretReadV1' AND NEW.data->>'outcome' = 'OK' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$`);
    await ds.query('CREATE TRIGGER refuse_reads BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_reads()');
    try {
      const error = (await acme.read('hearth/acme').catch((e: unknown) => e)) as { code?: string; message?: string };
      expect(error.code).toBe('VAULT.READ_NOT_RECORDED');
      expect(JSON.stringify(error)).not.toContain('acme-password-1');
    } finally {
      await ds.query('DROP TRIGGER refuse_reads ON events');
      await ds.query('DROP FUNCTION refuse_reads()');
    }
    expect((await acme.read('hearth/acme')).values.POSTGRES_PASSWORD).toBe('acme-password-1');
  });

  it('returns no value, no OK event and no HATCH message when the connection dies mid-commit', async () => {
    const ds = h.running.runtime.dataSource;
    const { client } = await h.principal('killed-reader', [{ pattern: 'hearth/acme', capabilities: ['read'] }]);
    // The backend recording this principal's read kills itself: the commit is lost with its connection.
    await ds.query(`CREATE FUNCTION kill_reads() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'SecretReadV1' AND NEW.data->>'actor' = 'killed-reader' AND NEW.data->>'outcome' = 'OK' THEN
          PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NEW;
      END $$`);
    await ds.query('CREATE TRIGGER kill_reads BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION kill_reads()');
    let error: Error & { code?: string };
    try {
      error = await client.read('hearth/acme').then(
        () => new Error('the read returned a value'),
        (e: unknown) => e as Error & { code?: string },
      );
    } finally {
      await ds.query('DROP TRIGGER kill_reads ON events');
      await ds.query('DROP FUNCTION kill_reads()');
    }
    expect(error.code).toBe('VAULT.READ_NOT_RECORDED');
    for (const text of [error.message, JSON.stringify(error), String(error), error.stack ?? ''])
      expect(text).not.toContain('acme-password-1');

    const ok = await ds.query<unknown[]>(
      "SELECT 1 FROM events WHERE type = 'SecretReadV1' AND data->>'actor' = 'killed-reader' AND data->>'outcome' = 'OK'",
    );
    expect(ok).toEqual([]);
    await sleep(300); // what the relay would publish, it has published by now
    const hatch = (await streamMessages(await jetstreamManager(h.nc), HatchStream.name)).filter((m) =>
      Buffer.from(m.data).toString().includes('killed-reader'),
    );
    expect(hatch.map((m) => m.subject)).toEqual(['hatch.vault.principal.create', 'hatch.vault.policy.grant']);

    // The pool replaced the dead connection: the next read is recorded and answered.
    expect((await client.read('hearth/acme')).values.POSTGRES_PASSWORD).toBe('acme-password-1');
  });
});

describe('writes', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness();
  });
  afterAll(() => h?.close());

  /** The AccessDeniedV1 events recorded while `work` ran. */
  async function deniedDuring(work: () => Promise<unknown>) {
    const ds = h.running.runtime.dataSource;
    const [{ p }] = await ds.query<[{ p: string }]>('SELECT COALESCE(max(global_position), 0)::text AS p FROM events');
    await work();
    const rows = await ds.query<Array<{ data: Record<string, unknown> }>>(
      "SELECT data FROM events WHERE global_position > $1::bigint AND type = 'AccessDeniedV1' ORDER BY global_position",
      [p],
    );
    return rows.map((r) => r.data);
  }

  it('makes a version per write, with check-and-set; a stale one is refused on the record', async () => {
    expect(await h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'one' }, cas: 0 })).toEqual({
      path: 'hearth/w1',
      version: 1,
    });
    expect(await h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'two' }, cas: 1 })).toEqual({
      path: 'hearth/w1',
      version: 2,
    });
    const denied = await deniedDuring(() =>
      expect(h.root.write({ path: 'hearth/w1', values: { A_VALUE: 'three' }, cas: 1 })).rejects.toMatchObject({
        code: 'VAULT.CAS_MISMATCH',
      }),
    );
    expect(denied).toEqual([
      { actor: 'root', capability: 'write', path: 'hearth/w1', outcome: 'DENIED', reason: 'VAULT.CAS_MISMATCH' },
    ]);
    expect((await h.root.read('hearth/w1')).values).toEqual({ A_VALUE: 'two' });
    expect((await h.root.read('hearth/w1', 1)).values).toEqual({ A_VALUE: 'one' });
  });

  it('never overwrites a USER credential with an AUTO_MANAGED one, and records the attempt', async () => {
    await h.root.write({ path: 'hearth/w2', values: { POSTGRES_PASSWORD: 'chosen-by-a-person' }, provider: 'USER' });
    const denied = await deniedDuring(() =>
      expect(
        h.root.write({ path: 'hearth/w2', values: { POSTGRES_PASSWORD: 'generated' }, provider: 'AUTO_MANAGED' }),
      ).rejects.toMatchObject({ code: 'VAULT.PROVIDER_CONFLICT' }),
    );
    expect(denied).toEqual([expect.objectContaining({ actor: 'root', reason: 'VAULT.PROVIDER_CONFLICT' })]);
    expect(JSON.stringify(denied)).not.toContain('generated');
  });

  it('refuses a value over the documented limit, on the record and without the value', async () => {
    const big = 'x'.repeat(16 * 1024 + 1);
    const denied = await deniedDuring(() =>
      expect(h.root.write({ path: 'hearth/w3', values: { BIG: big } })).rejects.toMatchObject({
        code: 'VAULT.VALUE_TOO_LARGE',
      }),
    );
    expect(denied).toEqual([
      { actor: 'root', capability: 'write', path: 'hearth/w3', outcome: 'DENIED', reason: 'VAULT.VALUE_TOO_LARGE' },
    ]);
    expect(await h.root.list('hearth/w3')).toEqual([]);
  });

  it('lists only the rows the caller may list: an allow on hearth/* does not reach under a deny on hearth/x/*', async () => {
    for (const path of ['hearth/x', 'hearth/x/a', 'hearth/xy', 'hearth/y'])
      await h.root.write({ path, values: { K: 'listed-value' } });
    const { client } = await h.principal('lister', [
      { pattern: 'hearth/*', capabilities: ['list'] },
      { pattern: 'hearth/x/*', capabilities: ['list'], effect: 'deny' },
    ]);
    const listed = (await client.list('hearth/')).map((s) => s.path);
    expect(listed).toEqual(expect.arrayContaining(['hearth/xy', 'hearth/y']));
    expect(listed).not.toContain('hearth/x');
    expect(listed).not.toContain('hearth/x/a');
    await expect(client.list('hearth/x')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(client.list('hearth/x/')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect((await h.root.list('hearth/x')).map((s) => s.path)).toEqual(['hearth/x', 'hearth/x/a', 'hearth/xy']);
  });

  it('refuses a list prefix outside the path grammar as VAULT.INVALID_PATH, on the record', async () => {
    const { client } = await h.principal('prefix-prober', [{ pattern: 'hearth/*', capabilities: ['list'] }]);
    const denied = await deniedDuring(async () => {
      for (const prefix of ['hearth/\u0000', 'hearth/../', 'hearth//'])
        await expect(client.list(prefix)).rejects.toMatchObject({ code: 'VAULT.INVALID_PATH' });
    });
    expect(denied).toEqual(
      ['hearth/\\u0000', 'hearth/../', 'hearth//'].map((path) => ({
        actor: 'prefix-prober',
        capability: 'list',
        path,
        outcome: 'DENIED',
        reason: 'VAULT.INVALID_PATH',
      })),
    );
  });

  it('soft-deletes, undeletes and destroys versions; a destroyed one is gone for good', async () => {
    await h.root.write({ path: 'hearth/w4', values: { K: 'v1-value' } });
    await h.root.write({ path: 'hearth/w4', values: { K: 'v2-value' } });
    await h.root.delete('hearth/w4', [2]);
    await expect(h.root.read('hearth/w4')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    await h.root.undelete('hearth/w4', [2]);
    expect((await h.root.read('hearth/w4')).values.K).toBe('v2-value');
    await h.root.destroy('hearth/w4');
    await expect(h.root.read('hearth/w4', 1)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    const [row] = await h.running.runtime.dataSource.query<[{ wrapped_dek: unknown; ciphertext: unknown }]>(
      "SELECT wrapped_dek, ciphertext FROM secret_versions WHERE path = 'hearth/w4' AND version = 2",
    );
    expect(row).toEqual({ wrapped_dek: null, ciphertext: null });
    expect((await h.root.versions('hearth/w4')).map((v) => v.destroyed)).toEqual([true, true]);
  });

  it('keeps the last N versions and shreds the older ones', async () => {
    for (let n = 1; n <= 12; n++) await h.root.write({ path: 'hearth/w5', values: { K: `value-${n}` } });
    const versions = await h.root.versions('hearth/w5');
    expect(versions.filter((v) => !v.destroyed).map((v) => v.version)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('lets a principal write only where its policy says', async () => {
    const { client } = await h.principal('writer', [
      { pattern: 'hearth/*', capabilities: ['write', 'read'] },
      { pattern: 'hearth/locked/*', capabilities: ['write'], effect: 'deny' },
    ]);
    await client.write({ path: 'hearth/open', values: { K: 'ok-value' } });
    await expect(client.write({ path: 'hearth/locked', values: { K: 'no' } })).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    await expect(client.createPrincipal('sneaky', generatePrincipalKeys().publicKey)).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    const denied = await h.running.runtime.dataSource.query<unknown[]>(
      "SELECT 1 FROM events WHERE type = 'AccessDeniedV1'",
    );
    expect(denied.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves no plaintext in the database', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    await h.root.write({ path: 'hearth/canary', values: { SECRET_K: canary } });
    await h.root.read('hearth/canary');
    const tables = await h.running.runtime.dataSource.query<Array<{ tablename: string }>>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    );
    for (const { tablename } of tables) {
      const rows = await h.running.runtime.dataSource.query<Array<{ t: string }>>(
        `SELECT t::text AS t FROM "${tablename}" t`,
      );
      const text = rows.map((r) => r.t).join('\n');
      for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')]) {
        expect({ tablename, found: text.includes(form) }).toEqual({ tablename, found: false });
      }
    }
  });
});
