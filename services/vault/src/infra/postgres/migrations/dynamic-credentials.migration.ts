import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dynamic credentials: engines, roles and leases. A lease row is written (`creating`) and committed
 * before its user is made on the engine's database, so a crash between the two leaves a row the
 * sweeper finds and revokes; no table holds a leased password or an engine's root password.
 */
export class DynamicCredentials1766000000500 implements MigrationInterface {
  name = 'DynamicCredentials1766000000500';

  async up(q: QueryRunner): Promise<void> {
    // root_version: the version of root_path Postgres accepts. A root rotation in flight keeps its new
    // value sealed aside (pending_root: the sealed parts, never the value) at rotation_step.
    await q.query(`
      CREATE TABLE lease_engines (
        name text PRIMARY KEY,
        host text NOT NULL,
        port integer NOT NULL,
        database text NOT NULL,
        sslmode text NOT NULL,
        root_path text NOT NULL UNIQUE,
        workspace text,
        rotation_days integer,
        root_version integer NOT NULL,
        pending_root jsonb,
        rotation_step text CHECK (rotation_step IN ('pending', 'applied')),
        last_rotated_at timestamptz,
        updated_at timestamptz NOT NULL,
        CHECK ((pending_root IS NULL) = (rotation_step IS NULL))
      )`);
    await q.query(`
      CREATE TABLE lease_roles (
        name text PRIMARY KEY,
        engine text NOT NULL REFERENCES lease_engines (name),
        creation_statements text[] NOT NULL,
        revocation_statements text[] NOT NULL,
        renew_statements text[] NOT NULL,
        rollback_statements text[] NOT NULL,
        default_ttl integer NOT NULL,
        max_ttl integer NOT NULL,
        username_template text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // A lease keeps the revocation it was issued with: a role replaced or deleted later strands nobody.
    await q.query(`
      CREATE TABLE leases (
        lease_id text PRIMARY KEY,
        role text NOT NULL,
        engine text NOT NULL,
        workspace text,
        username text NOT NULL,
        state text NOT NULL CHECK (state IN ('creating', 'active', 'revoked', 'irrevocable', 'forced')),
        revocation_statements text[] NOT NULL,
        issued_by text NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        max_expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_error text,
        UNIQUE (engine, username)
      )`);
    await q.query(`CREATE INDEX leases_due ON leases (engine, expires_at) WHERE state IN ('creating', 'active')`);
    await q.query(`CREATE INDEX leases_role ON leases (role, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['leases', 'lease_roles', 'lease_engines']) await q.query(`DROP TABLE ${table}`);
  }
}
