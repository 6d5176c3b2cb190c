import { z } from 'zod';
import { CredentialRotateRequest } from '../credentials.js';
import { LeaseRenewRequest } from '../leases.js';
import { SecretWriteRequest } from '../vault.js';

/**
 * The web console's writes to the vault (credential test, rotate, write; lease renew, revoke): console
 * routes the console carries to the vault over NATS, signed as its own vault principal, `console`,
 * which holds no `read` anywhere, so it can never read a value. A value typed in the browser is
 * sealed there to the vault's seal public key (VaultSealKey), with the path it is for, as every
 * writer seals it (SealedValues): the console only ever forwards the ciphertext.
 */
export const CONSOLE_PRINCIPAL = 'console';

/**
 * `PUT /v1/vault/credentials/<path>`: a USER credential's metadata and its values sealed to the vault;
 * the path is the URL's. No provider: an operator never writes a generated (AUTO_MANAGED) value,
 * which its driver alone makes and rotates, and the vault refuses a USER write over one.
 */
export const CredentialWriteBody = SecretWriteRequest.omit({ path: true, provider: true });
export type CredentialWriteBody = z.input<typeof CredentialWriteBody>;

/** `POST /v1/vault/credentials/<path>/rotate`: a USER credential's new values, sealed; none for an AUTO_MANAGED one. */
export const CredentialRotateBody = CredentialRotateRequest.omit({ path: true });
export type CredentialRotateBody = z.input<typeof CredentialRotateBody>;

/** `POST /v1/vault/leases/<lease id>/renew`: by how long (the role's default TTL when not said). */
export const LeaseRenewBody = LeaseRenewRequest.omit({ lease_id: true });
export type LeaseRenewBody = z.input<typeof LeaseRenewBody>;

/** `GET /v1/vault-seal-key`: the vault's X25519 seal public key (base64), public, for the browser to seal values to. */
export const VaultSealKey = z.object({ public_key: z.base64().length(44) }).strict();
export type VaultSealKey = z.infer<typeof VaultSealKey>;
