import { PlatformSchema1763800000000 } from '@hearth/platform/postgres';
import { HatchSchema1763800000300 } from './hatch-schema.migration.js';

/** The platform tables (hatch uses processed_messages, the idempotent consumer's ledger) and the log. */
export const hatchMigrations = [PlatformSchema1763800000000, HatchSchema1763800000300];
