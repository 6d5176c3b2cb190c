import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats-server.js';
import { until } from './until.js';

/**
 * Servers a credential test logs in to. Where the machine has the real server (MariaDB, Redis,
 * RabbitMQ, sshd) a helper makes a user with a password of its own and removes it afterwards; for the
 * protocols no server of which is to be had here (MongoDB, an OAuth2 token endpoint, AWS STS) a local
 * server speaks the protocol's first exchange, checking the secret it was given as the real one would.
 */

const run = promisify(execFile);

export interface Stoppable {
  stop(): Promise<void>;
}

export interface PasswordUser extends Stoppable {
  username: string;
  password: string;
}

const testName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;
const testPassword = () => randomBytes(18).toString('base64url');

/** A user with a password on the machine's MariaDB (127.0.0.1:3306; root by the unix socket, as OS root). */
export async function mariadbUser(): Promise<PasswordUser> {
  const username = testName('hearth_t');
  const password = testPassword();
  const sql = (statements: string) => run('mariadb', ['-u', 'root', '-e', statements]);
  const hosts = ["'127.0.0.1'", "'localhost'"];
  await sql(hosts.map((h) => `CREATE USER '${username}'@${h} IDENTIFIED BY '${password}';`).join(' '));
  return {
    username,
    password,
    stop: async () => void (await sql(hosts.map((h) => `DROP USER IF EXISTS '${username}'@${h};`).join(' '))),
  };
}

/** An ACL user with a password on the machine's Redis (127.0.0.1:6379). */
export async function redisUser(): Promise<PasswordUser> {
  const username = testName('hearth_t');
  const password = testPassword();
  await run('redis-cli', [
    '-h',
    '127.0.0.1',
    'ACL',
    'SETUSER',
    username,
    'on',
    `>${password}`,
    '~*',
    '+ping',
    '+select',
  ]);
  return {
    username,
    password,
    stop: async () => void (await run('redis-cli', ['-h', '127.0.0.1', 'ACL', 'DELUSER', username])),
  };
}

/** A user with a password and rights on vhost `/` of the machine's RabbitMQ (127.0.0.1:5672). */
export async function rabbitmqUser(): Promise<PasswordUser> {
  const username = testName('hearth_t');
  const password = testPassword();
  await run('rabbitmqctl', ['-q', 'add_user', username, password]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', '/', username, '.*', '.*', '.*']);
  return { username, password, stop: async () => void (await run('rabbitmqctl', ['-q', 'delete_user', username])) };
}

async function listening(server: Server | HttpServer): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return port;
}

function closing(server: Server | HttpServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

function tracked(server: Server | HttpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** A TCP port that accepts connections and never says a word: a test against it can only time out. */
export async function startSilentServer(): Promise<Stoppable & { port: number }> {
  const server = createServer(() => undefined);
  const sockets = tracked(server);
  const port = await listening(server);
  return { port, stop: closing(server, sockets) };
}

// ---- MongoDB: OP_MSG, hello, SCRAM-SHA-256 (RFC 7677) against one user.

/** The BSON this server reads and writes: strings, int32, doubles, booleans, binaries, documents. */
type Bson = string | number | boolean | Buffer | { [key: string]: Bson };

function encodeBson(doc: Record<string, Bson>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const name = Buffer.from(`${key}\0`);
    if (typeof value === 'string') {
      const text = Buffer.from(`${value}\0`);
      const length = Buffer.alloc(4);
      length.writeInt32LE(text.length);
      parts.push(Buffer.from([0x02]), name, length, text);
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      const n = Buffer.alloc(4);
      n.writeInt32LE(value);
      parts.push(Buffer.from([0x10]), name, n);
    } else if (typeof value === 'number') {
      const n = Buffer.alloc(8);
      n.writeDoubleLE(value);
      parts.push(Buffer.from([0x01]), name, n);
    } else if (typeof value === 'boolean') {
      parts.push(Buffer.from([0x08]), name, Buffer.from([value ? 1 : 0]));
    } else if (Buffer.isBuffer(value)) {
      const length = Buffer.alloc(4);
      length.writeInt32LE(value.length);
      parts.push(Buffer.from([0x05]), name, length, Buffer.from([0]), value);
    } else {
      parts.push(Buffer.from([0x03]), name, encodeBson(value));
    }
  }
  const body = Buffer.concat(parts);
  const length = Buffer.alloc(4);
  length.writeInt32LE(body.length + 5);
  return Buffer.concat([length, body, Buffer.from([0])]);
}

function decodeBson(buffer: Buffer): Record<string, Bson> {
  const doc: Record<string, Bson> = {};
  let at = 4;
  const end = buffer.readInt32LE(0) - 1;
  while (at < end) {
    const type = buffer[at++]!;
    const nameEnd = buffer.indexOf(0, at);
    const key = buffer.toString('utf8', at, nameEnd);
    at = nameEnd + 1;
    switch (type) {
      case 0x01:
        doc[key] = buffer.readDoubleLE(at);
        at += 8;
        break;
      case 0x02: {
        const length = buffer.readInt32LE(at);
        doc[key] = buffer.toString('utf8', at + 4, at + 4 + length - 1);
        at += 4 + length;
        break;
      }
      case 0x03: {
        const length = buffer.readInt32LE(at);
        doc[key] = decodeBson(buffer.subarray(at, at + length));
        at += length;
        break;
      }
      case 0x05: {
        const length = buffer.readInt32LE(at);
        doc[key] = Buffer.from(buffer.subarray(at + 5, at + 5 + length));
        at += 5 + length;
        break;
      }
      case 0x08:
        doc[key] = buffer[at++] === 1;
        break;
      case 0x10:
        doc[key] = buffer.readInt32LE(at);
        at += 4;
        break;
      case 0x12:
        doc[key] = Number(buffer.readBigInt64LE(at));
        at += 8;
        break;
      default:
        throw new Error(`BSON type ${type} is not spoken here`);
    }
  }
  return doc;
}

function opMsg(responseTo: number, doc: Record<string, Bson>): Buffer {
  const body = encodeBson(doc);
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(randomBytes(3).readUIntLE(0, 3), 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(2013, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * A MongoDB server as far as a login goes: `hello`, then SCRAM-SHA-256 saslStart/saslContinue for
 * `username`/`password` in database `admin` (code 18 AuthenticationFailed for any other proof), as
 * MongoDB 4.0+ answers them. Nothing after the login is spoken.
 */
export async function startFakeMongo(login: {
  username: string;
  password: string;
  /** The SCRAM rounds it asks for (4096); a hostile server's billions are never derived here. */
  iterations?: number;
}): Promise<Stoppable & { port: number }> {
  const salt = randomBytes(16);
  const iterations = login.iterations ?? 4096;
  const salted = pbkdf2Sync(login.password, salt, Math.min(iterations, 4096), 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  const failed = { ok: 0, errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' };

  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let conversation: { firstBare: string; serverFirst: string; nonce: string } | null = null;
    const answer = (doc: Record<string, Bson>): Record<string, Bson> => {
      if ('hello' in doc || 'isMaster' in doc || 'ismaster' in doc) {
        return { isWritablePrimary: true, maxWireVersion: 21, minWireVersion: 0, maxBsonObjectSize: 16777216, ok: 1 };
      }
      if ('saslStart' in doc) {
        const message = (doc.payload as Buffer).toString('utf8');
        const firstBare = message.replace(/^n,,/, '');
        const attrs = new Map(firstBare.split(',').map((p) => [p.slice(0, 1), p.slice(2)] as const));
        if (doc.mechanism !== 'SCRAM-SHA-256' || doc.$db !== 'admin' || attrs.get('n') !== login.username) {
          return failed;
        }
        const nonce = `${attrs.get('r')}${randomBytes(18).toString('base64')}`;
        const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
        conversation = { firstBare, serverFirst, nonce };
        return { conversationId: 1, done: false, payload: Buffer.from(serverFirst), ok: 1 };
      }
      if ('saslContinue' in doc && conversation) {
        const message = (doc.payload as Buffer).toString('utf8');
        const proofAt = message.lastIndexOf(',p=');
        const withoutProof = message.slice(0, proofAt);
        const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
        if (withoutProof !== `c=biws,r=${conversation.nonce}`) return failed;
        const authMessage = `${conversation.firstBare},${conversation.serverFirst},${withoutProof}`;
        const signature = hmac(storedKey, authMessage);
        const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
        const proven = createHash('sha256').update(clientKey).digest();
        if (proof.length !== 32 || !timingSafeEqual(proven, storedKey)) return failed;
        conversation = null;
        return {
          conversationId: 1,
          done: true,
          payload: Buffer.from(`v=${hmac(serverKey, authMessage).toString('base64')}`),
          ok: 1,
        };
      }
      return { ok: 0, errmsg: 'command not spoken by this test server', code: 59, codeName: 'CommandNotFound' };
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= buffered.readInt32LE(0)) {
        const message = buffered.subarray(0, buffered.readInt32LE(0));
        buffered = buffered.subarray(message.length);
        socket.write(opMsg(message.readInt32LE(4), answer(decodeBson(message.subarray(21)))));
      }
    });
    socket.on('error', () => undefined);
  });
  const sockets = tracked(server);
  const port = await listening(server);
  return { port, stop: closing(server, sockets) };
}

// ---- OAuth2 token endpoint (RFC 6749 4.4), client_secret_basic and client_secret_post.

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A token endpoint at `url` for one client: a token for its secret, sent either way, invalid_client (401) otherwise. */
export async function startFakeOAuth2(client: {
  clientId: string;
  clientSecret: string;
  /** Which client authentication it takes (both when absent). */
  method?: 'basic' | 'post';
}): Promise<Stoppable & { url: string; requests: () => number }> {
  let requests = 0;
  const server = createHttpServer((request, response) => {
    requests += 1;
    void bodyOf(request).then((raw) => {
      const form = new URLSearchParams(raw);
      const authorization = request.headers.authorization ?? '';
      let id: string | null = null;
      let secret: string | null = null;
      if (authorization.startsWith('Basic ') && client.method !== 'post') {
        const pair = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
        const colon = pair.indexOf(':');
        id = decodeURIComponent(pair.slice(0, colon));
        secret = decodeURIComponent(pair.slice(colon + 1));
      } else if (form.has('client_secret') && client.method !== 'basic') {
        id = form.get('client_id');
        secret = form.get('client_secret');
      }
      const json = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || form.get('grant_type') !== 'client_credentials')
        return json(400, { error: 'unsupported_grant_type' });
      if (id !== client.clientId || secret !== client.clientSecret) return json(401, { error: 'invalid_client' });
      json(200, { access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 3600 });
    });
  });
  const sockets = tracked(server);
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}/oauth/token`, requests: () => requests, stop: closing(server, sockets) };
}

// ---- AWS STS GetCallerIdentity, the request's SigV4 signature verified with the key's secret.

/**
 * STS at `url` for one key: GetCallerIdentity answers the key's ARN when the request's AWS
 * Signature Version 4 verifies with `secretAccessKey`, and AWS's own 403 error codes otherwise
 * (InvalidClientTokenId for another key id, SignatureDoesNotMatch for another secret).
 */
export async function startFakeSts(key: {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}): Promise<Stoppable & { url: string; arn: string }> {
  const arn = `arn:aws:iam::000000000000:user/hearth-test`;
  const server = createHttpServer((request, response) => {
    void bodyOf(request).then((body) => {
      const error = (code: string) => {
        response.writeHead(403, { 'content-type': 'text/xml' });
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>refused</Message></Error></ErrorResponse>`,
        );
      };
      const auth =
        /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
          request.headers.authorization ?? '',
        );
      if (!auth) return error('MissingAuthenticationToken');
      const [, keyId, date, region, signedHeaders, signature] = auth as unknown as string[];
      if (keyId !== key.accessKeyId) return error('InvalidClientTokenId');
      const amzDate = String(request.headers['x-amz-date'] ?? '');
      const names = signedHeaders!.split(';');
      const canonicalHeaders = names
        .map(
          (name) =>
            `${name}:${String(request.headers[name] ?? '')
              .trim()
              .replace(/\s+/g, ' ')}\n`,
        )
        .join('');
      const url = new URL(request.url ?? '/', 'http://sts');
      const canonicalRequest = [
        request.method,
        url.pathname,
        url.searchParams.toString(),
        canonicalHeaders,
        signedHeaders,
        createHash('sha256').update(body).digest('hex'),
      ].join('\n');
      const scope = `${date}/${region}/sts/aws4_request`;
      const toSign = [
        'AWS4-HMAC-SHA256',
        amzDate,
        scope,
        createHash('sha256').update(canonicalRequest).digest('hex'),
      ].join('\n');
      const signingKey = ['aws4_request'].reduce(
        (k, part) => createHmac('sha256', k).update(part).digest(),
        [date!, region!, 'sts'].reduce<Buffer>(
          (k, part) => createHmac('sha256', k).update(part).digest(),
          Buffer.from(`AWS4${key.secretAccessKey}`),
        ),
      );
      const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
      if (!names.includes('host') || region !== key.region || expected !== signature)
        return error('SignatureDoesNotMatch');
      if (new URLSearchParams(body).get('Action') !== 'GetCallerIdentity') return error('InvalidAction');
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDATEST</UserId><Account>000000000000</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      );
    });
  });
  const sockets = tracked(server);
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}/`, arn, stop: closing(server, sockets) };
}

// ---- sshd (Debian's openssh-server) on a loopback port, for a dedicated test user.

export interface TestSshd extends Stoppable {
  port: number;
  username: string;
  /** The user's authorized key, private half (OpenSSH format, no passphrase). */
  privateKey: string;
  /** A key of the same kind the server does not know. */
  otherPrivateKey: string;
  /** Another authorized key, encrypted with `passphrase`. */
  lockedPrivateKey: string;
  passphrase: string;
  /** The server's host key fingerprint, as `SHA256:…`. */
  hostKeySha256: string;
}

const SSH_USER = 'hearth-ssh-test';

/**
 * /usr/sbin/sshd -D on a free 127.0.0.1 port with a config, host key and authorized key of its own in
 * a temp directory; public-key logins only, for the user `hearth-ssh-test` (made when missing, with
 * no password: it can log in by key alone). Needs root, as sshd does.
 */
export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-sshd-'));
  // sshd reads authorized_keys as the user: the directory must be traversable by it.
  chmodSync(dir, 0o755);
  await run('id', [SSH_USER]).catch(() =>
    run('useradd', ['--system', '--shell', '/bin/sh', '--no-create-home', SSH_USER]),
  );
  // '*' rather than useradd's '!': sshd refuses a locked account even for a key login.
  await run('usermod', ['-p', '*', SSH_USER]);
  await run('mkdir', ['-p', '/run/sshd']);
  const passphrase = testPassword();
  const keygen = (file: string, secret = '') =>
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', secret, '-C', 'hearth-test', '-f', join(dir, file)]);
  await Promise.all([keygen('host'), keygen('user'), keygen('other'), keygen('locked', passphrase)]);
  writeFileSync(
    join(dir, 'authorized_keys'),
    Buffer.concat([readFileSync(join(dir, 'user.pub')), readFileSync(join(dir, 'locked.pub'))]),
  );
  chmodSync(join(dir, 'authorized_keys'), 0o644);
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host.pub')]);
  const hostKeySha256 = /SHA256:[A-Za-z0-9+/]+/.exec(stdout)![0];
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `AllowUsers ${SSH_USER}`,
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  sshd.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  await until(() => banner(port), { timeoutMs: 15_000, what: `sshd on 127.0.0.1:${port} (${stderr})` });
  return {
    port,
    username: SSH_USER,
    privateKey: readFileSync(join(dir, 'user'), 'utf8'),
    otherPrivateKey: readFileSync(join(dir, 'other'), 'utf8'),
    lockedPrivateKey: readFileSync(join(dir, 'locked'), 'utf8'),
    passphrase,
    hostKeySha256,
    stop: async () => {
      if (sshd.exitCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether an SSH server answers on `port` with its banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.toString('utf8').startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
  });
}
