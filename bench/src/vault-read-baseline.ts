/**
 * The hand-written minimal audited read, run as its own process like the vault: a NATS queue
 * subscriber that selects the sealed row, unwraps the DEK and decrypts the value (libsodium,
 * XChaCha20-Poly1305 twice), inserts an outbox row and commits, then replies with the value in clear.
 * No signature, no policy, no sealing to the caller, no framework: what `vault-read` measures against.
 */
import { pgEnv } from '@hearth/testkit';
import { connect, type Msg } from '@nats-io/transport-node';
import sodium from 'libsodium-wrappers-sumo';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

await sodium.ready;
const pool = new pg.Pool({
  host: pgEnv.PGHOST,
  port: pgEnv.PGPORT,
  user: pgEnv.PGUSER,
  password: pgEnv.PGPASSWORD,
  database: required('BENCH_DATABASE'),
  max: 10, // the vault's pool size
});
const kek = randomBytes(32);
const encrypt = (plain: Uint8Array, key: Uint8Array) => {
  const nonce = randomBytes(24);
  return {
    nonce,
    sealed: Buffer.from(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, null, null, nonce, key)),
  };
};
await pool.query(`CREATE TABLE secrets (path text PRIMARY KEY, dek_nonce bytea, wrapped_dek bytea, nonce bytea, ciphertext bytea);
                  CREATE TABLE outbox (position bigserial PRIMARY KEY, message_id uuid, subject text, payload text)`);
const dek = randomBytes(32);
const wrapped = encrypt(dek, kek);
const value = encrypt(Buffer.from(JSON.stringify({ POSTGRES_PASSWORD: required('BENCH_VALUE') })), dek);
await pool.query('INSERT INTO secrets VALUES ($1, $2, $3, $4, $5)', [
  required('BENCH_PATH'),
  wrapped.nonce,
  wrapped.sealed,
  value.nonce,
  value.sealed,
]);

async function reply(msg: Msg): Promise<void> {
  try {
    const { path } = msg.json<{ path: string }>();
    const { rows } = await pool.query<{ dek_nonce: Buffer; wrapped_dek: Buffer; nonce: Buffer; ciphertext: Buffer }>({
      name: 'baseline_secret',
      text: 'SELECT dek_nonce, wrapped_dek, nonce, ciphertext FROM secrets WHERE path = $1',
      values: [path],
    });
    const row = rows[0]!;
    const key = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, row.wrapped_dek, null, row.dek_nonce, kek);
    const plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, row.ciphertext, null, row.nonce, key);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query({
        name: 'baseline_outbox',
        text: 'INSERT INTO outbox (message_id, subject, payload) VALUES ($1, $2, $3)',
        values: [randomUUID(), 'hatch.baseline.read', JSON.stringify({ path })],
      });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    msg.respond(plain);
  } catch (error) {
    msg.respond(JSON.stringify({ error: String(error) }));
  }
}

const nc = await connect({ servers: required('BENCH_NATS_URL'), noAsyncTraces: true });
nc.subscribe(required('BENCH_SUBJECT'), { queue: 'baseline', callback: (_error, msg) => void reply(msg) });
await nc.flush();
console.log(JSON.stringify({ msg: 'baseline ready' }));

process.once('SIGTERM', () => {
  void nc
    .drain()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
