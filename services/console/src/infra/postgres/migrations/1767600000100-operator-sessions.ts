import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web console's browser sessions. Only SHA-256 hashes of the session secret (the cookie) and of
 * its CSRF token are kept. A session belongs to the operator token it was opened with: revoking that
 * token deletes its sessions in the same statement (ON DELETE CASCADE), and each request reads the
 * token's role as it is now.
 */
export class OperatorSessions1767600000100 implements MigrationInterface {
  name = 'OperatorSessions1767600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE operator_sessions (
        id uuid PRIMARY KEY,
        secret_sha256 bytea NOT NULL UNIQUE,
        csrf_sha256 bytea NOT NULL,
        token_id uuid NOT NULL REFERENCES operator_tokens (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX operator_sessions_by_token ON operator_sessions (token_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE operator_sessions');
  }
}
