import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A revoked principal's sessions are ended, not deleted with it: a vault process that never held
 * one still finds it, and refuses its requests on the record as revoked rather than as unknown (an
 * unknown session is refused unrecorded). So the sessions no longer cascade from the principal.
 */
export class SessionsOutlivePrincipal1768000000800 implements MigrationInterface {
  name = 'SessionsOutlivePrincipal1768000000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE vault_sessions DROP CONSTRAINT vault_sessions_principal_fkey');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DELETE FROM vault_sessions s WHERE NOT EXISTS (SELECT 1 FROM principals p WHERE p.name = s.principal)',
    );
    await q.query(
      'ALTER TABLE vault_sessions ADD CONSTRAINT vault_sessions_principal_fkey FOREIGN KEY (principal) REFERENCES principals (name) ON DELETE CASCADE',
    );
  }
}
