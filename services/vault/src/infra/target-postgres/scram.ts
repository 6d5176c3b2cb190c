import { ErrorCode, HearthError } from '@hearth/contracts';
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(pbkdf2);
/** RFC 7677's floor, and what Postgres uses for a password it hashes itself. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The SCRAM-SHA-256 verifier Postgres keeps for a password (`SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`).
 * The vault sends only this, so a server logging every statement never logs a password. PBKDF2 runs
 * on libuv's thread pool, so many issuers at once do not block the event loop. Only printable ASCII is accepted: Postgres SASLprep-normalises other passwords
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

/** A leased user's password: 32 random bytes, base64url (43 characters, nothing to quote). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * PBKDF2 rounds in the verifier of a password the vault generates. 4096 rounds make a guessable human
 * password costly to brute-force from a stolen verifier; a generated one holds 256 random bits, which
 * no number of rounds makes stronger or weaker. Yet every round is paid three times over: by the vault
 * here, by Postgres on CREATE ROLE (it checks the secret is not an empty password's) and by the
 * client on every login. At 4096 that is ~8 ms of CPU per lease for nothing (pnpm bench lease).
 */
export const GENERATED_PASSWORD_ROUNDS = 64;

/** The verifier of a password generatePassword made. */
export function generatedPasswordVerifier(password: string): Promise<string> {
  return scramVerifier(password, { rounds: GENERATED_PASSWORD_ROUNDS });
}
