import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  generatePrincipalKeys,
  HatchStream,
  SecretMetadata,
  SecretVersionInfo,
  TokenCreated,
  VaultClient,
} from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  jetStreamText,
  queryDatabase,
  startConsoleProcess,
  startNats,
  startVaultProcess,
  streamMessages,
  until,
  type RunningConsole,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

/** Nats-Msg-Id of every HATCH message on `subject`. */
async function hatchIds(jsm: JetStreamManager, subject: string): Promise<string[]> {
  return (await streamMessages(jsm, HatchStream.name))
    .filter((m) => m.subject === subject)
    .map((m) => m.headers['Nats-Msg-Id']!);
}

describe('vault, as a process', () => {
  let nats: TestNats;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let root: VaultClient;

  const outboxDrained = () =>
    until(
      async () =>
        (await queryDatabase<{ n: number }>(vault.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]?.n === 0,
      { timeoutMs: 20_000, what: 'the outbox drained' },
    );
  /** Waits until the vault's output holds `text` `times` times (its lines and spans reach us in batches). */
  const untilOutput = (text: string, times = 1, from = 0) =>
    until(() => vault.process.output.slice(from).join('\n').split(text).length > times, {
      what: `${times} × ${text} in the vault's output`,
    });

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats();
    vault = await startVaultProcess(nats.url, {
      OTEL_TRACES_EXPORTER: 'console', // spans and their attributes go to the output we scan
    });
    hearthConsole = await startConsoleProcess(nats.url, { LOG_LEVEL: 'debug' });
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
  });
  afterAll(async () => {
    await nc?.close();
    await vault?.stop();
    await hearthConsole?.stop();
    await nats?.stop();
  });

  it('keeps a canary value out of everything but its ciphertext, over 100 recorded reads', async () => {
    const canary = `canary-${randomBytes(16).toString('hex')}`;
    await root.write({
      path: 'hearth/canary',
      values: { POSTGRES_PASSWORD: canary },
      provider: 'AUTO_MANAGED',
      tags: { provisioned_for_service: 'canary/postgres' },
    });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('canary-reader', readerKeys.publicKey);
    await root.grant('canary-reader', { pattern: 'hearth/canary', capabilities: ['read'] });
    const reader = new VaultClient(nc, 'canary-reader', readerKeys);

    const from = await eventMark(vault.db.name);
    const eventIds: string[] = [];
    for (let n = 0; n < 100; n++) {
      const read = await reader.read('hearth/canary');
      expect(read.values.POSTGRES_PASSWORD).toBe(canary);
      eventIds.push(read.read_event_id);
    }
    const recorded = await eventsSince(vault.db.name, from, { type: 'SecretReadV1' });
    expect(recorded.map((e) => e.id)).toEqual(eventIds);
    expect(recorded.every((e) => e.data.path === 'hearth/canary' && e.data.outcome === 'OK')).toBe(true);
    await outboxDrained();
    const inHatch = await hatchIds(jsm, 'hatch.vault.secret.read');
    for (const id of eventIds) expect(inHatch.filter((x) => x === id)).toHaveLength(1);

    await untilOutput("name: 'vault.secret.read'", 100); // the reads' spans, exported in batches
    const places = {
      'vault logs and spans': vault.process.output.join('\n'),
      'console logs': hearthConsole.process.output.join('\n'),
      'every JetStream stream': await jetStreamText(jsm),
      "the console's database": await databaseText(hearthConsole.db.name),
      "the vault's database (bytea as hex)": await databaseText(vault.db.name),
    };
    for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')]) {
      for (const [place, text] of Object.entries(places))
        expect({ place, found: text.includes(form) }).toEqual({ place, found: false });
    }
  });

  it('answers operators over HTTP with metadata only, for a console token of an allowed role', async () => {
    const value = `http-${randomBytes(12).toString('hex')}`;
    await root.write({ path: 'hearth/http/db', values: { POSTGRES_PASSWORD: value }, provider: 'AUTO_MANAGED' });
    await root.write({ path: 'hearth/http/db', values: { POSTGRES_PASSWORD: `${value}-2` }, provider: 'AUTO_MANAGED' });
    const get = async (path: string, token?: string) => {
      const response = await fetch(
        `${vault.url}${path}`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
      const text = await response.text();
      return { status: response.status, text, body: JSON.parse(text) as unknown };
    };
    const token = async (role: string) => {
      const response = await fetch(`${hearthConsole.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hearthConsole.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `vault-http-${role}`, role }),
      });
      expect(response.status).toBe(201);
      return TokenCreated.parse(await response.json()).token;
    };
    const operator = await token('operator');

    const listed = await get('/v1/secrets?prefix=hearth/http/', operator);
    expect(listed.status).toBe(200);
    expect(SecretMetadata.array().parse(listed.body)).toEqual([
      expect.objectContaining({
        path: 'hearth/http/db',
        current_version: 2,
        provider: 'AUTO_MANAGED',
        value_names: ['POSTGRES_PASSWORD'],
      }),
    ]);
    const versions = await get('/v1/secrets/hearth/http/db/versions', hearthConsole.adminToken);
    expect(versions.status).toBe(200);
    expect(
      SecretVersionInfo.array()
        .parse(versions.body)
        .map((v) => v.version),
    ).toEqual([1, 2]);
    for (const text of [listed.text, versions.text]) expect(text).not.toContain(value);

    expect(await get('/v1/secrets?prefix=hearth/http/')).toMatchObject({
      status: 401,
      body: { error: { code: 'AUTH.UNAUTHENTICATED' } },
    });
    expect(await get('/v1/secrets?prefix=hearth/http/', 'not-a-token')).toMatchObject({ status: 401 });
    expect(await get('/v1/secrets?prefix=hearth/http/', await token('auditor'))).toMatchObject({
      status: 403,
      body: { error: { code: 'AUTH.FORBIDDEN' } },
    });
    expect(await get('/v1/secrets?prefix=hearth/%00', operator)).toMatchObject({
      status: 400,
      body: { error: { code: 'VAULT.INVALID_PATH' } },
    });
    // (fetch itself resolves `..` and `%2e%2e` before sending, so traversal is the NATS tests' business)
    expect(await get('/v1/secrets/hearth/a%00/versions', operator)).toMatchObject({
      status: 400,
      body: { error: { code: 'VAULT.INVALID_PATH' } },
    });
    // No route reveals or changes a secret over HTTP.
    for (const path of ['/v1/secrets/hearth/http/db', '/v1/secrets/hearth/http/db/value'])
      expect((await get(path, operator)).status).toBe(404);
  });

  it('logs why a read could not be recorded (a killed connection), without the value, and returns none', async () => {
    const value = `killed-${randomBytes(12).toString('hex')}`;
    await root.write({ path: 'hearth/killed', values: { K: value } });
    await queryDatabase(
      vault.db.name,
      `CREATE FUNCTION kill_reads() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.type = 'SecretReadV1' AND NEW.data->>'path' = 'hearth/killed' AND NEW.data->>'outcome' = 'OK' THEN
           PERFORM pg_terminate_backend(pg_backend_pid());
         END IF;
         RETURN NEW;
       END $$`,
    );
    await queryDatabase(
      vault.db.name,
      'CREATE TRIGGER kill_reads BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION kill_reads()',
    );
    const seen = vault.process.output.length;
    try {
      await expect(root.read('hearth/killed')).rejects.toMatchObject({ code: 'VAULT.READ_NOT_RECORDED' });
    } finally {
      await queryDatabase(vault.db.name, 'DROP TRIGGER kill_reads ON events');
      await queryDatabase(vault.db.name, 'DROP FUNCTION kill_reads()');
    }
    await untilOutput('a read could not be recorded', 1, seen);
    const logged = vault.process.output.slice(seen).join('\n');
    expect(logged).toContain('a read could not be recorded');
    expect(logged).toContain('57P01'); // admin_shutdown: the SQLSTATE of a terminated backend
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')])
      expect(logged).not.toContain(form);
    expect((await root.read('hearth/killed')).values.K).toBe(value);
  });

  it('puts every read that returned a value in HATCH exactly once, across a NATS restart', async () => {
    await root.write({ path: 'hearth/restart', values: { K: 'restart-value' } });
    const ids: string[] = [];
    let failures = 0;
    let done = 0;
    const worker = async () => {
      while (done < 1_000) {
        done++;
        try {
          ids.push((await root.read('hearth/restart')).read_event_id);
        } catch {
          failures++;
        }
      }
    };
    const restart = (async () => {
      await until(() => done >= 300, { intervalMs: 10, what: '300 reads under way' });
      await nats.restart(300);
    })();
    await Promise.all([worker(), worker(), worker(), worker(), restart]);
    expect(ids.length).toBeGreaterThan(500);
    await outboxDrained();
    const inHatch = await hatchIds(jsm, 'hatch.vault.secret.read');
    const counts = new Map<string, number>();
    for (const id of inHatch) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(failures + ids.length).toBeGreaterThanOrEqual(1_000);
  });
});
