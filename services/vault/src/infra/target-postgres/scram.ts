import { scramVerifier } from '@hearth/contracts';
import { randomBytes } from 'node:crypto';

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
