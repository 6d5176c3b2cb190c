import { createHash, createHmac, pbkdf2 as pbkdf2Callback, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Socket } from 'node:net';
import { Binary, deserialize, serialize, type Document } from 'bson';
import { asError, failed, ok, portOf, type Probe } from './probe.js';

const pbkdf2 = promisify(pbkdf2Callback);
/** The most SCRAM rounds a test derives a key with (MongoDB's default is 15,000). */
const MAX_SCRAM_ITERATIONS = 100_000;
/** The largest reply a test takes: a hello or a SASL step is a few hundred bytes. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const OP_MSG = 2013;
const AUTHENTICATION_FAILED = 18;

/**
 * MongoDB's first exchange spoken directly (OP_MSG): `hello`, then SCRAM-SHA-256 saslStart and
 * saslContinue, so a wrong password fails at the server and the server proves it knows the password
 * too. A whole driver would add server monitoring and pools for one login.
 */
export const mongodbProbe: Probe = {
  target: (values) => `${values.host}:${portOf(values, 27017)}`,
  async run(values, signal) {
    const wire = await Wire.open(values.host!, portOf(values, 27017), signal);
    try {
      const hello = await wire.command({ hello: 1, $db: 'admin' });
      if (hello.ok !== 1) return failed(`the server did not answer hello: ${errorOf(hello)}`);
      return await scram(wire, values.username!, values.password!, values.auth_source ?? 'admin');
    } finally {
      wire.close();
    }
  },
};

async function scram(wire: Wire, username: string, password: string, db: string) {
  const clientNonce = randomBytes(24).toString('base64');
  const firstBare = `n=${username.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${clientNonce}`;
  const start = await wire.command({
    saslStart: 1,
    mechanism: 'SCRAM-SHA-256',
    payload: new Binary(Buffer.from(`n,,${firstBare}`)),
    autoAuthorize: 1,
    options: { skipEmptyExchange: true },
    $db: db,
  });
  if (start.ok !== 1) return refusedOrFailed(start, username);
  const conversationId: unknown = start.conversationId;
  const serverFirst = payloadOf(start);
  const attrs = attributesOf(serverFirst);
  const nonce = attrs.get('r');
  const salt = attrs.get('s');
  const iterations = Number(attrs.get('i'));
  if (!nonce?.startsWith(clientNonce) || !salt || !(iterations >= 4096)) {
    return failed('the server answered SCRAM with a malformed challenge');
  }
  // The server chooses the work: a hostile one asking for billions of rounds would hold the vault's CPU
  // for minutes. MongoDB uses 15,000; the derivation runs off the event loop in any case.
  if (iterations > MAX_SCRAM_ITERATIONS) {
    return failed(`the server asked for ${iterations} SCRAM iterations, more than ${MAX_SCRAM_ITERATIONS}`);
  }
  // SASLprep is the identity for ASCII passwords; NFKC covers the normalisation part of it for the rest.
  const salted = await pbkdf2(password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
  let reply = await wire.command({
    saslContinue: 1,
    conversationId,
    payload: new Binary(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)),
    $db: db,
  });
  if (reply.ok !== 1) return refusedOrFailed(reply, username);
  const verifier = attributesOf(payloadOf(reply)).get('v');
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  if (!verifier || !safeEqual(Buffer.from(verifier, 'base64'), expected)) {
    return failed('the server could not prove it knows the password (SCRAM server signature mismatch)');
  }
  if (reply.done !== true) {
    reply = await wire.command({ saslContinue: 1, conversationId, payload: new Binary(Buffer.alloc(0)), $db: db });
    if (reply.ok !== 1) return refusedOrFailed(reply, username);
  }
  return ok(`logged in as ${username} (SCRAM-SHA-256, authentication database ${db})`);
}

function refusedOrFailed(reply: Document, username: string) {
  if (reply.code === AUTHENTICATION_FAILED) return failed(`password authentication failed for user ${username}`);
  return failed(`the server refused the login: ${errorOf(reply)}`);
}

const errorOf = (reply: Document): string =>
  `${typeof reply.codeName === 'string' ? reply.codeName : 'error'} ${typeof reply.code === 'number' ? reply.code : ''}`.trim();

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const safeEqual = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

function payloadOf(reply: Document): string {
  const payload: unknown = reply.payload;
  return payload instanceof Binary ? Buffer.from(payload.buffer).toString('utf8') : '';
}

function attributesOf(message: string): Map<string, string> {
  return new Map(
    message.split(',').flatMap((part) => {
      const at = part.indexOf('=');
      return at > 0 ? [[part.slice(0, at), part.slice(at + 1)] as const] : [];
    }),
  );
}

/** One OP_MSG connection: a command out, its reply in, one at a time. */
class Wire {
  /** What arrived and is not yet a whole message, kept as it came: one copy when a message is whole, not one per chunk. */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private waiting: { resolve: (doc: Document) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      // After a failure the probe is closing: a server still streaming fills nothing.
      if (this.failure) return;
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
      this.deliver();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () =>
      this.fail(Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' })),
    );
  }

  static open(host: string, port: number, signal: AbortSignal): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      signal.addEventListener('abort', () => socket.destroy(), { once: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Wire(socket));
      });
    });
  }

  command(doc: Document): Promise<Document> {
    if (this.failure) return Promise.reject(this.failure);
    const body = serialize(doc);
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + body.length, 0);
    header.writeInt32LE(this.nextId++, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(OP_MSG, 12);
    header.writeUInt32LE(0, 16);
    header.writeUInt8(0, 20);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(Buffer.concat([header, body]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (this.bufferedBytes < 4) return;
    if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks)];
    const length = this.chunks[0]!.readInt32LE(0);
    if (length < 21) return this.fail(new Error('the server sent a malformed message'));
    if (length > MAX_MESSAGE_BYTES) {
      return this.fail(new Error(`the server announced a reply of ${length} bytes, more than ${MAX_MESSAGE_BYTES}`));
    }
    if (this.bufferedBytes < length) return;
    const buffered = Buffer.concat(this.chunks, this.bufferedBytes);
    const message = buffered.subarray(0, length);
    this.chunks = buffered.length > length ? [buffered.subarray(length)] : [];
    this.bufferedBytes -= length;
    if (message.readInt32LE(12) !== OP_MSG || message.readUInt8(20) !== 0) {
      return this.fail(new Error('the server does not speak OP_MSG (MongoDB 3.6 or later)'));
    }
    const waiting = this.waiting;
    this.waiting = null;
    try {
      waiting?.resolve(deserialize(message.subarray(21), { promoteBuffers: false }));
    } catch (error) {
      waiting?.reject(asError(error));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }
}
