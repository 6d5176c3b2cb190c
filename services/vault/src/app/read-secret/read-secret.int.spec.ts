import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePrincipalKeys, HatchStream, SignatureHeaders, VaultClient, VaultSubjects } from '@hearth/contracts';
import { eventMark, expectNewEvents, queryDatabase, streamMessages, until } from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { refusal, signAs, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('the audited read', () => {
  let h: VaultHarness;
  let acme: VaultClient;
  let acmeKeys: ReturnType<typeof generatePrincipalKeys>;
  const sql = <T>(text: string) => h.vault.runtime.dataSource.query<T>(text);

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

  it('returns the value sealed to the caller, after its read event committed', async () => {
    const from = await eventMark(h.db.name);
    const read = await acme.read('hearth/acme');
    expect(read.values).toEqual({ POSTGRES_PASSWORD: 'acme-password-1' });
    const [event] = await expectNewEvents(h.db.name, from, [
      {
        type: 'SecretReadV1',
        data: { actor: 'acme-app', path: 'hearth/acme', version: 1, workspace_slug: 'acme', outcome: 'OK' },
      },
    ]);
    expect(event!.id).toBe(read.read_event_id);
    expect(JSON.stringify(event)).not.toContain('acme-password-1');
  });

  it('never gives an AUTO_MANAGED value to root or to a principal not granted its workspace, of any version', async () => {
    const { client: everyWorkspace } = await h.principal('every-workspace', [
      { pattern: 'hearth/*', capabilities: ['read'] },
    ]);
    const from = await eventMark(h.db.name);
    for (const [client, actor] of [
      [h.root, 'root'],
      [everyWorkspace, 'every-workspace'],
    ] as const) {
      await expect(client.read('hearth/acme')).rejects.toMatchObject({ code: 'VAULT.AUTO_MANAGED_VALUE' });
      await expect(client.read('hearth/acme', 1)).rejects.toMatchObject({ code: 'VAULT.AUTO_MANAGED_VALUE' });
      expect((await h.refusalsSince(from)).filter((e) => e.data.actor === actor)).toEqual([
        refusal('SecretReadV1', actor, 'VAULT.AUTO_MANAGED_VALUE', { path: 'hearth/acme' }),
        refusal('SecretReadV1', actor, 'VAULT.AUTO_MANAGED_VALUE', { path: 'hearth/acme' }),
      ]);
    }
    // a USER version written over it would make it an operator's secret: refused, so version 1 stays sealed
    await expect(
      h.root.write({ path: 'hearth/acme', values: { POSTGRES_PASSWORD: 'mine' }, provider: 'USER' }),
    ).rejects.toMatchObject({ code: 'VAULT.PROVIDER_CONFLICT' });
    await expect(h.root.read('hearth/acme', 1)).rejects.toMatchObject({ code: 'VAULT.AUTO_MANAGED_VALUE' });
    // root still reads a USER secret, and the workspace's own principal the generated one
    expect((await h.root.read('hearth/globex')).values.POSTGRES_PASSWORD).toBe('globex-password-1');
    expect((await acme.read('hearth/acme', 1)).values.POSTGRES_PASSWORD).toBe('acme-password-1');
  });

  it("records the caller's signed nonce as the request id, and the trace id in the metadata only", async () => {
    const from = await eventMark(h.db.name);
    const signed = signAs(VaultSubjects.read, { path: 'hearth/acme' }, 'acme-app', acmeKeys.secretKey);
    expect((await h.raw(VaultSubjects.read, { path: 'hearth/acme' }, signed)).code).toBeNull();
    const [event] = await expectNewEvents(h.db.name, from, [
      { type: 'SecretReadV1', data: { request_id: signed[SignatureHeaders.nonce], outcome: 'OK' } },
    ]);
    expect(event!.data).not.toHaveProperty('trace_id');
    expect(event!.metadata).toHaveProperty('trace_id');
  });

  it("carries the caller's correlation id into the read's event", async () => {
    const correlated = new VaultClient(h.nc, 'acme-app', acmeKeys, { correlationId: () => 'deploy-acme-42' });
    await correlated.openSession();
    const from = await eventMark(h.db.name);
    await correlated.read('hearth/acme');
    const [event] = await expectNewEvents(h.db.name, from, [{ type: 'SecretReadV1', data: { outcome: 'OK' } }]);
    expect(event!.metadata.correlation_id).toBe('deploy-acme-42');
  });

  it('is sealed on the wire: a bus subscriber sees ciphertext only', async () => {
    const seen: string[] = [];
    const sub = h.nc.subscribe('_INBOX.>', {
      callback: (_e, m) => {
        seen.push(Buffer.from(m.data).toString('latin1'));
      },
    });
    await acme.read('hearth/acme');
    await until(() => seen.length > 0, { what: 'the reply seen on the bus' });
    sub.unsubscribe();
    expect(seen.join('')).not.toContain('acme-password-1');
    // and the sealed reply cannot be opened with another key
    const other = new VaultClient(h.nc, 'acme-app', { ...acmeKeys, secretKey: generatePrincipalKeys().secretKey });
    await expect(other.read('hearth/acme')).rejects.toMatchObject({ code: 'VAULT.BAD_SIGNATURE' });
  });

  it("denies another workspace's path and records it", async () => {
    const from = await eventMark(h.db.name);
    await expect(acme.read('hearth/globex')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.POLICY_DENIED', { path: 'hearth/globex', workspace_slug: 'globex' }),
    ]);
  });

  it('admits a grant committed through another vault before its notification reaches this one', async () => {
    const { client } = await h.principal('granted-elsewhere', [{ pattern: 'hearth/acme/*', capabilities: ['read'] }]);
    // Refused once: this vault now holds the principal, rules and all, and is listening.
    await expect(client.read('hearth/globex')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    // Another vault's grant whose principals_changed has not arrived: the rule is in the table, and no
    // notification comes at all (triggers do not fire in this session).
    await queryDatabase(
      h.db.name,
      `BEGIN; SET LOCAL session_replication_role = replica;
       INSERT INTO policy_rules (principal, pattern, effect, capabilities)
         VALUES ('granted-elsewhere', 'hearth/globex/*', 'allow', '{read}');
       COMMIT`,
    );
    expect((await client.read('hearth/globex')).values).toEqual({ POSTGRES_PASSWORD: 'globex-password-1' });
  });

  it('matches policy patterns by whole segments: hearth/acme/* is not hearth/acme2', async () => {
    await h.root.write({ path: 'hearth/acme2', values: { POSTGRES_PASSWORD: 'acme2-password-1' } });
    await h.root.write({ path: 'hearth/acme/api', values: { API_KEY: 'acme-api-key-1' } });
    expect((await acme.read('hearth/acme/api')).values.API_KEY).toBe('acme-api-key-1');
    await expect(acme.read('hearth/acme2')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it.each([
    ['traversal', 'hearth/../x', 'hearth/../x'],
    ['percent-encoded traversal', 'hearth/%2e%2e/x', 'hearth/%2e%2e/x'],
    ['a double slash', 'hearth//x', 'hearth//x'],
    ['a NUL', 'hearth/a\u0000', 'hearth/a\\u0000'],
    ['a control character', 'hearth/a\u0007', 'hearth/a\\u0007'],
    ['a leading slash', '/hearth/acme', '/hearth/acme'],
  ])('refuses a path with %s, on the record as DENIED for its signer', async (_, path, recorded) => {
    const from = await eventMark(h.db.name);
    await expect(acme.read(path)).rejects.toMatchObject({ code: 'VAULT.INVALID_PATH' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'acme-app', 'VAULT.INVALID_PATH', { path: recorded }),
    ]);
  });

  it('records a missing path as NOT_FOUND, a deleted version as NOT_FOUND with its number, an expired one as EXPIRED', async () => {
    await h.root.write({
      path: 'hearth/acme/old',
      values: { TOKEN_A: 'expired-value' },
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    await h.root.write({ path: 'hearth/acme/gone', values: { K: 'deleted-value' } });
    await h.root.delete('hearth/acme/gone', [1]);
    const from = await eventMark(h.db.name);
    await expect(acme.read('hearth/acme/none')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    await expect(acme.read('hearth/acme/gone')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    await expect(acme.read('hearth/acme/old')).rejects.toMatchObject({ code: 'VAULT.SECRET_EXPIRED' });
    await expectNewEvents(h.db.name, from, [
      { type: 'SecretReadV1', data: { outcome: 'NOT_FOUND', version: null, reason: 'VAULT.SECRET_NOT_FOUND' } },
      { type: 'SecretReadV1', data: { outcome: 'NOT_FOUND', version: 1, reason: 'VAULT.SECRET_NOT_FOUND' } },
      { type: 'SecretReadV1', data: { outcome: 'EXPIRED', version: 1, reason: 'VAULT.SECRET_EXPIRED' } },
    ]);
  });

  it('returns no value when the read cannot be committed', async () => {
    await sql(`CREATE FUNCTION refuse_reads() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.type = 'SecretReadV1' AND NEW.data->>'outcome' = 'OK' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$`);
    await sql('CREATE TRIGGER refuse_reads BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_reads()');
    try {
      const error = (await acme.read('hearth/acme').catch((e: unknown) => e)) as { code?: string; message?: string };
      expect(error.code).toBe('VAULT.READ_NOT_RECORDED');
      expect(JSON.stringify(error)).not.toContain('acme-password-1');
    } finally {
      await sql('DROP TRIGGER refuse_reads ON events');
      await sql('DROP FUNCTION refuse_reads()');
    }
    expect((await acme.read('hearth/acme')).values.POSTGRES_PASSWORD).toBe('acme-password-1');
  });

  it('returns no value, no OK event and no HATCH message when the connection dies mid-commit', async () => {
    const { client } = await h.principal('killed-reader', [{ pattern: 'hearth/acme', capabilities: ['read'] }]);
    const from = await eventMark(h.db.name);
    // The backend recording this principal's read kills itself: the commit is lost with its connection.
    await sql(`CREATE FUNCTION kill_reads() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'SecretReadV1' AND NEW.data->>'actor' = 'killed-reader' AND NEW.data->>'outcome' = 'OK' THEN
          PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NEW;
      END $$`);
    await sql('CREATE TRIGGER kill_reads BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION kill_reads()');
    let error: Error & { code?: string };
    try {
      error = await client.read('hearth/acme').then(
        () => new Error('the read returned a value'),
        (e: unknown) => e as Error & { code?: string },
      );
    } finally {
      await sql('DROP TRIGGER kill_reads ON events');
      await sql('DROP FUNCTION kill_reads()');
    }
    expect(error.code).toBe('VAULT.READ_NOT_RECORDED');
    for (const text of [error.message, JSON.stringify(error), String(error), error.stack ?? ''])
      expect(text).not.toContain('acme-password-1');

    await expectNewEvents(h.db.name, from, []);
    // Whatever was committed, the relay has published once the outbox is empty.
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    const hatch = (await streamMessages(await jetstreamManager(h.nc), HatchStream.name)).filter((m) =>
      Buffer.from(m.data).toString().includes('killed-reader'),
    );
    expect(hatch.map((m) => m.subject)).toEqual([
      'hatch.vault.principal.create',
      'hatch.vault.policy.grant',
      'hatch.vault.session.open',
    ]);

    // The pool replaced the dead connection: the next read is recorded and answered.
    expect((await client.read('hearth/acme')).values.POSTGRES_PASSWORD).toBe('acme-password-1');
  });
});
