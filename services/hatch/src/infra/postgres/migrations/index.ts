import { AuditOrigin1764700000300 } from './audit-origin.migration.js';
import { HatchSchema1763800000300 } from './hatch-schema.migration.js';
import { LeaseUsers1766000000600 } from './lease-users.migration.js';
import { SourceSequences1766000000300 } from './source-sequences.migration.js';

/** hatch's own tables; openDatabase adds the platform's (hatch uses processed_messages, the idempotent consumer's ledger). */
export const hatchMigrations = [
  HatchSchema1763800000300,
  AuditOrigin1764700000300,
  SourceSequences1766000000300,
  LeaseUsers1766000000600,
];
