import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Tester } from '@hearth/contracts';
import {
  mariadbUser,
  rabbitmqUser,
  redisUser,
  startFakeMongo,
  startFakeOAuth2,
  startFakeSts,
  startPostgresCluster,
  startSilentServer,
  startSshd,
  type PasswordUser,
  type PostgresCluster,
  type Stoppable,
  type TestSshd,
} from '@hearth/testkit';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { ProtocolTesters } from './protocol-testers.js';

/**
 * Every tester against a real server on this machine (a Postgres cluster of the test's own, MariaDB,
 * Redis, RabbitMQ, Debian's sshd on a loopback port, a local HTTP server) or, for MongoDB, an OAuth2
 * token endpoint and AWS STS, a local server speaking the protocol's first exchange. A wrong secret is
 * always a canary: it must not appear in any message, in any of its encoded forms.
 */

const TIMEOUT_MS = 3000;
const testers = new ProtocolTesters();
const canary = () => `canary-${randomBytes(9).toString('base64url')}`;
const closed: Stoppable[] = [];
let refusedPort: number;
let silent: { port: number } & Stoppable;

/** The test as the use case runs it: the secret values are those it scrubs. */
async function check(tester: Tester, values: Record<string, string>, secretNames: string[]) {
  const secrets = secretNames.map((name) => values[name]!).filter(Boolean);
  const result = await testers.test(tester, values, secrets, TIMEOUT_MS);
  for (const secret of secrets) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
      expect(result.message).not.toContain(form);
    }
  }
  return result;
}

// Client libraries print on their own (ioredis' "Unhandled error event", debug modes): nothing may.
const printed = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
  jest.spyOn(console, level).mockImplementation(() => undefined),
);

beforeAll(async () => {
  silent = await startSilentServer();
  closed.push(silent);
  // A port nothing listens on: a server that stopped leaves one.
  const gone = await startSilentServer();
  refusedPort = gone.port;
  await gone.stop();
});

afterAll(async () => {
  for (const server of closed.reverse()) await server.stop();
  for (const spy of printed) expect(spy).not.toHaveBeenCalled();
});

it('every tester is TIMEOUT against a server that accepts and never answers', async () => {
  const at = { host: '127.0.0.1', port: String(silent.port) };
  // A key ssh2 reads (PKCS#1 RSA), so the test gets as far as the handshake.
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const secret = canary();
  const url = `http://127.0.0.1:${silent.port}/`;
  const cases: Array<[Tester, Record<string, string>, string[]]> = [
    ['amqp', { ...at, username: 'u', password: secret }, ['password']],
    ['ssh', { ...at, username: 'u', private_key: key }, ['private_key']],
    ['http_basic', { url, username: 'u', password: secret }, ['password']],
    ['api_key', { url, key_name: 'X-API-Key', location: 'header', key: secret }, ['key']],
    ['oauth2_client_credentials', { token_url: url, client_id: 'c', client_secret: secret }, ['client_secret']],
    [
      'aws',
      { access_key_id: 'AKIA', secret_access_key: secret, region: 'us-east-1', endpoint: url },
      ['secret_access_key'],
    ],
  ];
  const results = await Promise.all(cases.map(([tester, values, secrets]) => check(tester, values, secrets)));
  for (const result of results) {
    expect(result).toEqual({
      status: 'TIMEOUT',
      message: `timed out after 3 s connecting to 127.0.0.1:${silent.port}`,
    });
  }
});

describe('postgres', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
    closed.push(cluster);
  });
  const values = (password: string, port?: number) => ({
    host: '127.0.0.1',
    port: String(port ?? cluster.port),
    username: 'postgres',
    password,
    database: 'postgres',
    sslmode: 'prefer',
  });

  it('logs in with the password, and a wrong one fails for the reason the server gave', async () => {
    await expect(check('postgres', values(cluster.password), ['password'])).resolves.toEqual({
      status: 'OK',
      message: 'logged in as postgres to database postgres',
    });
    const wrong = canary();
    await expect(check('postgres', values(wrong), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: 'password authentication failed for user postgres',
    });
    expect(cluster.serverLog()).not.toContain(wrong);
  });

  it('names a refused port, an unknown host and a server that never answers', async () => {
    await expect(check('postgres', values('x', refusedPort), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
    await expect(check('postgres', { ...values('x'), host: 'no-such-host.invalid' }, ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: 'no such host no-such-host.invalid',
    });
    await expect(check('postgres', values('x', silent.port), ['password'])).resolves.toEqual({
      status: 'TIMEOUT',
      message: `timed out after 3 s connecting to 127.0.0.1:${silent.port}`,
    });
  });
});

describe('mysql (MariaDB on 127.0.0.1:3306)', () => {
  let user: PasswordUser;
  beforeAll(async () => {
    user = await mariadbUser();
    closed.push(user);
  });
  const values = (password: string, port = 3306) => ({
    host: '127.0.0.1',
    port: String(port),
    username: user.username,
    password,
  });

  it('logs in, and a wrong password, a refused port and a silent server each say so', async () => {
    await expect(check('mysql', values(user.password), ['password'])).resolves.toEqual({
      status: 'OK',
      message: `logged in as ${user.username}`,
    });
    await expect(check('mysql', values(canary()), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: `password authentication failed for user ${user.username}`,
    });
    await expect(check('mysql', values('x', refusedPort), ['password'])).resolves.toMatchObject({
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
    await expect(check('mysql', values('x', silent.port), ['password'])).resolves.toMatchObject({ status: 'TIMEOUT' });
  });
});

describe('redis (127.0.0.1:6379, an ACL user)', () => {
  let user: PasswordUser;
  beforeAll(async () => {
    user = await redisUser();
    closed.push(user);
  });
  const values = (password: string, port = 6379) => ({
    host: '127.0.0.1',
    port: String(port),
    username: user.username,
    password,
    db: '0',
    tls: 'false',
  });

  it('logs in, and a wrong password, a refused port and a silent server each say so', async () => {
    await expect(check('redis', values(user.password), ['password'])).resolves.toEqual({
      status: 'OK',
      message: `logged in as ${user.username} to database 0`,
    });
    await expect(check('redis', values(canary()), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: `password authentication failed for user ${user.username}`,
    });
    await expect(check('redis', values('x', refusedPort), ['password'])).resolves.toMatchObject({
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
    await expect(check('redis', values('x', silent.port), ['password'])).resolves.toMatchObject({ status: 'TIMEOUT' });
  });
});

describe('amqp (RabbitMQ on 127.0.0.1:5672)', () => {
  let user: PasswordUser;
  beforeAll(async () => {
    user = await rabbitmqUser();
    closed.push(user);
  });
  const values = (password: string, port = 5672) => ({
    host: '127.0.0.1',
    port: String(port),
    username: user.username,
    password,
    vhost: '/',
    tls: 'false',
  });

  it('logs in, and a wrong password and a refused port each say so', async () => {
    await expect(check('amqp', values(user.password), ['password'])).resolves.toEqual({
      status: 'OK',
      message: `logged in as ${user.username} to virtual host /`,
    });
    await expect(check('amqp', values(canary()), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: `password authentication failed for user ${user.username}`,
    });
    await expect(check('amqp', values('x', refusedPort), ['password'])).resolves.toMatchObject({
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
  });
});

describe('mongodb (a local server speaking hello and SCRAM-SHA-256)', () => {
  const login = { username: 'app', password: `right-${randomBytes(6).toString('hex')}` };
  let port: number;
  beforeAll(async () => {
    const mongo = await startFakeMongo(login);
    closed.push(mongo);
    port = mongo.port;
  });
  const values = (password: string, at = port) => ({
    host: '127.0.0.1',
    port: String(at),
    username: login.username,
    password,
    database: 'admin',
    auth_source: 'admin',
  });

  it('logs in, and a wrong password, a refused port and a silent server each say so', async () => {
    await expect(check('mongodb', values(login.password), ['password'])).resolves.toEqual({
      status: 'OK',
      message: 'logged in as app (SCRAM-SHA-256, authentication database admin)',
    });
    await expect(check('mongodb', values(canary()), ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: 'password authentication failed for user app',
    });
    await expect(check('mongodb', values('x', refusedPort), ['password'])).resolves.toMatchObject({
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
    await expect(check('mongodb', values('x', silent.port), ['password'])).resolves.toMatchObject({
      status: 'TIMEOUT',
    });
  });
});

describe('HTTP: bearer, basic, API key (a local server checking each)', () => {
  const token = `tok-${randomBytes(8).toString('hex')}`;
  const basic = { username: 'app', password: `pw-${randomBytes(8).toString('hex')}` };
  const key = `key-${randomBytes(8).toString('hex')}`;
  let base: string;
  beforeAll(async () => {
    const server: Server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const expected = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
      const allowed =
        (url.pathname === '/bearer' && request.headers.authorization === `Bearer ${token}`) ||
        (url.pathname === '/basic' && request.headers.authorization === expected) ||
        (url.pathname === '/header' && request.headers['x-api-key'] === key) ||
        (url.pathname === '/query' && url.searchParams.get('api_key') === key);
      response.writeHead(url.pathname === '/broken' ? 500 : allowed ? 200 : url.pathname === '/query' ? 403 : 401);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    closed.push({ stop: () => new Promise((resolve) => server.close(() => resolve())) });
  });

  it('a bearer token', async () => {
    await expect(check('http_bearer', { url: `${base}/bearer`, token }, ['token'])).resolves.toEqual({
      status: 'OK',
      message: 'the server accepted the credential (HTTP 200)',
    });
    await expect(check('http_bearer', { url: `${base}/bearer`, token: canary() }, ['token'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the server refused the credential (HTTP 401)',
    });
  });

  it('basic auth, and a refused port', async () => {
    await expect(check('http_basic', { url: `${base}/basic`, ...basic }, ['password'])).resolves.toMatchObject({
      status: 'OK',
    });
    await expect(
      check('http_basic', { url: `${base}/basic`, ...basic, password: canary() }, ['password']),
    ).resolves.toEqual({
      status: 'FAILED',
      message: 'the server refused the credential (HTTP 401)',
    });
    await expect(
      check('http_basic', { url: `http://127.0.0.1:${refusedPort}/`, ...basic }, ['password']),
    ).resolves.toEqual({ status: 'FAILED', message: `connection refused at 127.0.0.1:${refusedPort}` });
  });

  it('an API key in a header or the query, and a server error that says nothing of the key', async () => {
    const header = { url: `${base}/header`, key_name: 'X-API-Key', location: 'header', key };
    await expect(check('api_key', header, ['key'])).resolves.toMatchObject({ status: 'OK' });
    await expect(check('api_key', { ...header, key: canary() }, ['key'])).resolves.toMatchObject({ status: 'FAILED' });
    const query = { url: `${base}/query`, key_name: 'api_key', location: 'query', key };
    await expect(check('api_key', query, ['key'])).resolves.toMatchObject({ status: 'OK' });
    await expect(check('api_key', { ...query, key: canary() }, ['key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the server refused the credential (HTTP 403)',
    });
    await expect(check('api_key', { ...header, url: `${base}/broken` }, ['key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the server answered HTTP 500, which says nothing about the credential',
    });
  });

  it('https to a server that speaks plain HTTP is a failed TLS handshake', async () => {
    const https = base.replace('http:', 'https:');
    const result = await check('http_bearer', { url: `${https}/bearer`, token }, ['token']);
    expect(result.status).toBe('FAILED');
    expect(result.message).toMatch(new RegExp(`^TLS handshake failed with ${new URL(https).host} \\(ERR_SSL_`));
  });

  it('a server that accepts and never answers is TIMEOUT', async () => {
    await expect(check('http_bearer', { url: `http://127.0.0.1:${silent.port}/`, token }, ['token'])).resolves.toEqual({
      status: 'TIMEOUT',
      message: `timed out after 3 s connecting to 127.0.0.1:${silent.port}`,
    });
  });
});

describe('oauth2_client_credentials (a local token endpoint)', () => {
  const client = { clientId: 'hearth-app', clientSecret: `s-${randomBytes(8).toString('hex')}` };

  it.each(['basic', 'post'] as const)(
    'gets a token with client_secret_%s, and a wrong secret is invalid_client',
    async (method) => {
      const endpoint = await startFakeOAuth2({ ...client, method });
      closed.push(endpoint);
      const values = {
        token_url: endpoint.url,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: 'read',
      };
      await expect(check('oauth2_client_credentials', values, ['client_secret'])).resolves.toEqual({
        status: 'OK',
        message: 'the token endpoint issued an access token (HTTP 200)',
      });
      await expect(
        check('oauth2_client_credentials', { ...values, client_secret: canary() }, ['client_secret']),
      ).resolves.toEqual({
        status: 'FAILED',
        message: 'the token endpoint refused the client: invalid_client (HTTP 401)',
      });
    },
  );
});

describe('aws (a local STS verifying the SigV4 signature)', () => {
  const key = {
    accessKeyId: 'AKIAHEARTHTEST000001',
    secretAccessKey: randomBytes(30).toString('base64'),
    region: 'eu-west-1',
  };
  let url: string;
  let arn: string;
  beforeAll(async () => {
    const sts = await startFakeSts(key);
    closed.push(sts);
    ({ url, arn } = sts);
  });
  const values = (secret: string, keyId = key.accessKeyId) => ({
    access_key_id: keyId,
    secret_access_key: secret,
    region: key.region,
    endpoint: url,
  });

  it('GetCallerIdentity names the key; another secret or key id is refused by its AWS code', async () => {
    await expect(check('aws', values(key.secretAccessKey), ['secret_access_key'])).resolves.toEqual({
      status: 'OK',
      message: `AWS accepted the key: ${arn}`,
    });
    await expect(check('aws', values(canary()), ['secret_access_key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'AWS refused the key: SignatureDoesNotMatch (HTTP 403)',
    });
    await expect(check('aws', values(key.secretAccessKey, 'AKIAOTHER'), ['secret_access_key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'AWS refused the key: InvalidClientTokenId (HTTP 403)',
    });
  });
});

describe('ssh (Debian sshd on a loopback port)', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
    closed.push(sshd);
  });
  const values = (privateKey: string, more: Record<string, string> = {}) => ({
    host: '127.0.0.1',
    port: String(sshd.port),
    username: sshd.username,
    private_key: privateKey,
    ...more,
  });

  it('logs in with the authorized key and reports the host key; another key is refused', async () => {
    await expect(check('ssh', values(sshd.privateKey), ['private_key'])).resolves.toEqual({
      status: 'OK',
      message: `logged in as ${sshd.username}; host key ${sshd.hostKeySha256}`,
    });
    await expect(check('ssh', values(sshd.otherPrivateKey), ['private_key'])).resolves.toEqual({
      status: 'FAILED',
      message: `the server refused the key for user ${sshd.username}`,
    });
  });

  it('checks the host key when the credential pins one', async () => {
    await expect(
      check('ssh', values(sshd.privateKey, { host_key_sha256: sshd.hostKeySha256 }), ['private_key']),
    ).resolves.toMatchObject({ status: 'OK' });
    const pinned = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await expect(check('ssh', values(sshd.privateKey, { host_key_sha256: pinned }), ['private_key'])).resolves.toEqual({
      status: 'FAILED',
      message: `the server's host key is ${sshd.hostKeySha256}, not the expected ${pinned}`,
    });
  });

  it('opens an encrypted key with its passphrase; a wrong passphrase is named, and scrubbed', async () => {
    const locked = (passphrase: string) => values(sshd.lockedPrivateKey, { passphrase });
    await expect(check('ssh', locked(sshd.passphrase), ['private_key', 'passphrase'])).resolves.toMatchObject({
      status: 'OK',
    });
    await expect(check('ssh', locked(canary()), ['private_key', 'passphrase'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the private key could not be read: check its format and passphrase',
    });
  });

  it('a key that is not one, and a refused port', async () => {
    const garbage = canary();
    await expect(check('ssh', values(garbage), ['private_key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the private key could not be read: check its format and passphrase',
    });
    await expect(
      check('ssh', { ...values(sshd.privateKey), port: String(refusedPort) }, ['private_key']),
    ).resolves.toEqual({
      status: 'FAILED',
      message: `connection refused at 127.0.0.1:${refusedPort}`,
    });
  });
});

describe('a hostile server the credential names', () => {
  it('asking for billions of SCRAM rounds is refused, and the vault keeps running meanwhile', async () => {
    const login = { username: 'app', password: 'irrelevant', iterations: 2_000_000_000 };
    const mongo = await startFakeMongo(login);
    closed.push(mongo);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await expect(
        check(
          'mongodb',
          { host: '127.0.0.1', port: String(mongo.port), username: 'app', password: 'p', auth_source: 'admin' },
          ['password'],
        ),
      ).resolves.toEqual({
        status: 'FAILED',
        message: 'the server asked for 2000000000 SCRAM iterations, more than 100000',
      });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('streaming a token response without end is read no further than 64 KiB', async () => {
    const endless = await startEndlessHttp(200, '{"access_token":"');
    const values = { token_url: endless.url, client_id: 'a', client_secret: 'b' };
    await expect(check('oauth2_client_credentials', values, ['client_secret'])).resolves.toEqual({
      status: 'FAILED',
      message: 'the token endpoint answered HTTP 200 without an access_token',
    });
    expect(endless.written()).toBeLessThan(WRITTEN_BOUND);
  });

  it('streaming an STS answer without end is read no further than 64 KiB, its head still understood', async () => {
    const endless = await startEndlessHttp(403, '<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>');
    const values = { access_key_id: 'AKIAHEARTHTEST000001', secret_access_key: canary(), endpoint: endless.url };
    await expect(check('aws', values, ['secret_access_key'])).resolves.toEqual({
      status: 'FAILED',
      message: 'AWS refused the key: InvalidClientTokenId (HTTP 403)',
    });
    expect(endless.written()).toBeLessThan(WRITTEN_BOUND);
  });

  it('announcing a MongoDB reply larger than 1 MiB is refused before it is read', async () => {
    // A reply header announcing 48 MiB (what the wire used to accept), then filler for as long as the vault reads.
    const endless = await startEndlessTcp(() => {
      const header = Buffer.alloc(21);
      header.writeInt32LE(48 * 1024 * 1024, 0);
      header.writeInt32LE(2013, 12);
      return header;
    });
    const values = { host: '127.0.0.1', port: String(endless.port), username: 'app', password: canary() };
    await expect(check('mongodb', values, ['password'])).resolves.toEqual({
      status: 'FAILED',
      message: `127.0.0.1:${endless.port}: the server announced a reply of 50331648 bytes, more than 1048576`,
    });
    expect(endless.written()).toBeLessThan(WRITTEN_BOUND);
  });
});

/**
 * What a hostile server may have written before the vault stopped reading: the 64 KiB or 1 MiB read plus
 * what the loopback socket and the HTTP client buffer. Left unbounded, it streams gigabytes in the timeout.
 */
const WRITTEN_BOUND = 32 * 1024 * 1024;
const FILLER = Buffer.alloc(64 * 1024, 'x');

/** Writes `head`, then filler for as long as the peer reads, counting what it handed the stream. */
function pumpWithoutEnd(stream: NodeJS.WritableStream, head: Buffer, counted: { bytes: number }): void {
  const pump = () => {
    for (let more = true; more; counted.bytes += FILLER.length) more = stream.write(FILLER);
  };
  stream.write(head);
  counted.bytes += head.length;
  stream.on('drain', pump);
  stream.on('error', () => undefined);
  pump();
}

/** An HTTP server answering every request with `status`, `head` and a body without end. */
async function startEndlessHttp(status: number, head: string) {
  const counted = { bytes: 0 };
  const server: Server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/octet-stream' });
    pumpWithoutEnd(response, Buffer.from(head), counted);
  });
  const port = await stoppedAfterwards(server);
  return { url: `http://127.0.0.1:${port}/`, written: () => counted.bytes };
}

/** A TCP server answering the first bytes it reads with `head()` and then filler without end. */
async function startEndlessTcp(head: () => Buffer) {
  const counted = { bytes: 0 };
  const server = createTcpServer((socket) => {
    socket.once('data', () => pumpWithoutEnd(socket, head(), counted));
    socket.on('error', () => undefined);
  });
  const port = await stoppedAfterwards(server);
  return { port, written: () => counted.bytes };
}

/** Listens on a loopback port; afterAll destroys its connections and closes it. */
async function stoppedAfterwards(server: Server | TcpServer): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closed.push({
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
  return (server.address() as { port: number }).port;
}
