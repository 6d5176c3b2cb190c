import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Typed credentials: every secret gets a type (earlier ones are `generic`), an environment, an active
 * flag, its metadata fields in clear (never a password or hidden field), its last test, and rotation.
 * A rotation in flight keeps its new value sealed aside (`pending_value`: the sealed parts, bound to
 * the path and `pending_version`, never the value) until its sidecar took it; custom types are
 * versioned rows; `credential_work` is what the driver has to do in its sidecars (rotate, check).
 */
export class Credentials1767000000600 implements MigrationInterface {
  name = 'Credentials1767000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE secrets
        ADD COLUMN type text NOT NULL DEFAULT 'generic',
        ADD COLUMN type_version integer,
        ADD COLUMN environment text NOT NULL DEFAULT 'production',
        ADD COLUMN active boolean NOT NULL DEFAULT true,
        ADD COLUMN fields jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN last_tested timestamptz,
        ADD COLUMN test_status text CHECK (test_status IN ('OK', 'FAILED', 'TIMEOUT')),
        ADD COLUMN test_message text,
        ADD COLUMN rotation_days integer,
        ADD COLUMN next_rotation_at timestamptz,
        ADD COLUMN last_rotated_at timestamptz,
        ADD COLUMN pending_version integer,
        ADD COLUMN pending_value jsonb,
        ADD CONSTRAINT secrets_pending CHECK ((pending_version IS NULL) = (pending_value IS NULL))`);
    await q.query('CREATE INDEX secrets_expiry ON secrets (expires_at) WHERE expires_at IS NOT NULL');
    await q.query('CREATE INDEX secrets_rotation_due ON secrets (next_rotation_at) WHERE next_rotation_at IS NOT NULL');
    await q.query('CREATE INDEX secrets_pending_rotation ON secrets (path) WHERE pending_version IS NOT NULL');
    await q.query(`
      CREATE TABLE credential_types (
        name text NOT NULL,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (name, version)
      )`);
    // One row per piece of work: claimed by the principal that generated the credential (the driver),
    // redelivered when a claim is older than the claim timeout, closed by its report.
    await q.query(`
      CREATE TABLE credential_work (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('rotate', 'check')),
        path text NOT NULL REFERENCES secrets (path),
        version integer NOT NULL,
        claimant text NOT NULL,
        created_at timestamptz NOT NULL,
        claimed_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        done_at timestamptz,
        outcome text CHECK (outcome IN ('applied', 'ok', 'failed', 'timeout')),
        message text
      )`);
    await q.query('CREATE INDEX credential_work_open ON credential_work (claimant, created_at) WHERE done_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE credential_work');
    await q.query('DROP TABLE credential_types');
    await q.query('DROP INDEX secrets_pending_rotation');
    await q.query('DROP INDEX secrets_rotation_due');
    await q.query('DROP INDEX secrets_expiry');
    await q.query(`
      ALTER TABLE secrets
        DROP CONSTRAINT secrets_pending,
        DROP COLUMN type, DROP COLUMN type_version, DROP COLUMN environment, DROP COLUMN active,
        DROP COLUMN fields, DROP COLUMN last_tested, DROP COLUMN test_status, DROP COLUMN test_message,
        DROP COLUMN rotation_days, DROP COLUMN next_rotation_at, DROP COLUMN last_rotated_at,
        DROP COLUMN pending_version, DROP COLUMN pending_value`);
  }
}
