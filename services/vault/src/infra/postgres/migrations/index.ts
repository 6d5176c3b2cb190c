import { Credentials1767000000600 } from './credentials.migration.js';
import { DynamicCredentials1766000000500 } from './dynamic-credentials.migration.js';
import { NoncesPerPrincipal1765000000400 } from './nonces-per-principal.migration.js';
import { Sessions1768000000700 } from './sessions.migration.js';
import { SessionsOutlivePrincipal1768000000800 } from './sessions-outlive-principal.migration.js';
import { VaultSchema1763800000200 } from './vault-schema.migration.js';

/** The vault's own migrations; openDatabase adds the platform's. */
export const vaultMigrations = [
  VaultSchema1763800000200,
  NoncesPerPrincipal1765000000400,
  DynamicCredentials1766000000500,
  Credentials1767000000600,
  Sessions1768000000700,
  SessionsOutlivePrincipal1768000000800,
];
