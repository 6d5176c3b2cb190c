import { PlatformSchema1763800000000 } from '@hearth/platform/postgres';
import { VaultSchema1763800000200 } from './vault-schema.migration.js';

export const vaultMigrations = [PlatformSchema1763800000000, VaultSchema1763800000200];
