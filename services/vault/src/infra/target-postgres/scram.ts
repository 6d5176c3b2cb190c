import { ErrorCode, HearthError } from '@hearth/contracts';
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(pbkdf2);
const ITERATIONS = 4096;
const SALT_BYTES = 16;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The SCRAM-SHA-256 verifier Postgres keeps for a password (`SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`).
 * The vault sends only this, so a server logging every statement never logs a password. The 4096
 * rounds of PBKDF2 are ~4 ms of CPU: they run on libuv's thread pool, so many issuers at once do not
 * block the event loop. Only printable ASCII is accepted: Postgres SASLprep-normalises other passwords
 * and node's pg client does not, so a verifier of such a password might not match the client's proof.
 */
export async function scramVerifier(password: string, salt: Buffer = randomBytes(SALT_BYTES)): Promise<string> {
  if (!PRINTABLE_ASCII.test(password)) {
    throw new HearthError(ErrorCode.EngineCredential, 'a database password must be printable ASCII');
  }
  const salted = await derive(password, salt, ITERATIONS, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${ITERATIONS}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** A leased user's password: 32 random bytes, base64url (43 characters, nothing to quote). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}
