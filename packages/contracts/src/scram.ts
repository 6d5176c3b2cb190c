import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ErrorCode, HearthError } from './errors.js';

const derive = promisify(pbkdf2);
/** RFC 7677's floor, and what Postgres uses for a password it hashes itself. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The SCRAM-SHA-256 verifier Postgres keeps for a password (`SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`).
 * Whoever sets a Postgres password (the vault for leased users and engine roots, the driver in a
 * sidecar) sends only this, so a server logging every statement never logs a password. PBKDF2 runs
 * on libuv's thread pool, so many at once do not block the event loop. Only printable ASCII is accepted: Postgres SASLprep-normalises other passwords
 * and node's pg client does not, so a verifier of such a password might not match the client's proof.
 */
export async function scramVerifier(
  password: string,
  { salt = randomBytes(SALT_BYTES), rounds = ITERATIONS }: { salt?: Buffer; rounds?: number } = {},
): Promise<string> {
  if (!PRINTABLE_ASCII.test(password)) {
    throw new HearthError(ErrorCode.EngineCredential, 'a database password must be printable ASCII');
  }
  const salted = await derive(password, salt, rounds, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${rounds}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
