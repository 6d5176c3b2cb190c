import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream } from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  jetStreamText,
  queryDatabase,
  startPostgresCluster,
  streamMessages,
  until,
  type PostgresCluster,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

/**
 * The test action over NATS, the vault in-process: a stored credential is opened and tried against a
 * real server (a Postgres cluster of the test's own, a local HTTP server), the outcome recorded as
 * CredentialTestedV1 (HATCH `credential.test`) and in the metadata. A canary password in a failing
 * test is in no message, log line, event, HATCH message or other table of the vault's database.
 */

let h: VaultHarness;
let cluster: PostgresCluster;
let server: Server;
let url: string;
const basic = { username: 'app', password: `pw-${randomBytes(8).toString('hex')}` };

beforeAll(async () => {
  [h, cluster] = await Promise.all([
    startVaultHarness({ VAULT_CREDENTIAL_TEST_TIMEOUT_MS: '3000', LOG_LEVEL: 'debug' }),
    startPostgresCluster(),
  ]);
  server = createServer((request, response) => {
    const expected = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
    response.writeHead(request.headers.authorization === expected ? 204 : 401);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.close();
  await cluster.stop();
});

const postgres = (password: string) => ({
  host: '127.0.0.1',
  port: String(cluster.port),
  database: 'postgres',
  username: 'postgres',
  password,
  sslmode: 'prefer',
});

describe('vault.credential.test', () => {
  it('tests a postgres credential: OK recorded in the metadata, the event and HATCH', async () => {
    await h.root.write({ path: 'team/db/main', type: 'postgres', values: postgres(cluster.password) });
    const mark = await eventMark(h.db.name);

    const result = await h.root.testCredential('team/db/main');

    expect(result).toEqual({
      path: 'team/db/main',
      version: 1,
      status: 'OK',
      message: 'logged in as postgres to database postgres',
      tested_at: expect.any(String) as unknown,
    });
    const [listed] = await h.root.list('team/db/main');
    expect(listed).toMatchObject({ last_tested: result.tested_at, test_status: 'OK', test_message: result.message });
    const events = await eventsSince(h.db.name, mark, { type: 'CredentialTestedV1' });
    expect(events).toEqual([
      expect.objectContaining({
        stream: 'secret-team/db/main',
        data: expect.objectContaining({
          by: 'root',
          version: 1,
          type: 'postgres',
          outcome: 'OK',
          message: result.message,
        }) as unknown,
      }),
    ]);
    const jsm = await jetstreamManager(h.nc);
    await until(
      async () =>
        (await streamMessages(jsm, HatchStream.name)).some((m) => m.subject === 'hatch.vault.credential.test'),
      {
        what: 'the test in HATCH',
      },
    );
  });

  it('a wrong (canary) password is FAILED with the reason, and the canary is nowhere', async () => {
    const canary = `canary-${randomBytes(12).toString('base64url')}`;
    await h.root.write({ path: 'team/db/wrong', type: 'postgres', values: postgres(canary) });
    await h.root.write({ path: 'team/http/wrong', type: 'http_basic', values: { url, ...basic, password: canary } });

    await expect(h.root.testCredential('team/db/wrong')).resolves.toMatchObject({
      status: 'FAILED',
      message: 'password authentication failed for user postgres',
    });
    await expect(h.root.testCredential('team/http/wrong')).resolves.toMatchObject({
      status: 'FAILED',
      message: 'the server refused the credential (HTTP 401)',
    });

    const jsm = await jetstreamManager(h.nc);
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    expect(
      (await streamMessages(jsm, HatchStream.name)).filter((m) => m.subject === 'hatch.vault.credential.test').length,
    ).toBe(3);
    // The vault database holds the canary sealed only; events, metadata, messages and outbox in clear never.
    expect(await databaseText(h.db.name)).not.toContain(canary);
    expect(await jetStreamText(jsm)).not.toContain(canary);
    expect(h.logs.join('\n')).not.toContain(canary);
    expect(h.logs.length).toBeGreaterThan(0);
    expect(cluster.serverLog()).not.toContain(canary);
  });

  it('tests an http_basic credential against a local server', async () => {
    await h.root.write({ path: 'team/http/ok', type: 'http_basic', values: { url, ...basic } });
    await expect(h.root.testCredential('team/http/ok')).resolves.toMatchObject({
      status: 'OK',
      message: 'the server accepted the credential (HTTP 204)',
    });
  });

  it('a generic secret has no test, a missing one is not found, and testing needs write on the path', async () => {
    await expect(h.root.write({ path: 'team/plain', values: { token: 'x' } })).resolves.toBeDefined();
    await expect(h.root.testCredential('team/plain')).rejects.toMatchObject({ code: 'VAULT.TEST_UNSUPPORTED' });
    await expect(h.root.testCredential('team/none')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });

    const { client } = await h.principal('reader', [{ pattern: 'team/*', capabilities: ['read', 'list'] }]);
    const mark = await eventMark(h.db.name);
    await expect(client.testCredential('team/db/main')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect(await eventsSince(h.db.name, mark, { type: 'AccessDeniedV1' })).toHaveLength(1);
    expect(await eventsSince(h.db.name, mark, { type: 'CredentialTestedV1' })).toHaveLength(0);
  });
});
