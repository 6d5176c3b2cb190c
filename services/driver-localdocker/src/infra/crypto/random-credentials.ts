import { randomBytes } from 'node:crypto';
import type { CredentialGenerator } from '../../app/ports.js';

/** 32 random bytes, base64url: 43 characters that need no quoting in a shell, a URL or SQL. */
export const randomCredentials: CredentialGenerator = {
  generate: () => randomBytes(32).toString('base64url'),
};
