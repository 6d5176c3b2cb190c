import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The sweep of idle web console sessions deletes by last_seen_at: an index, not a scan of every session. */
export class OperatorSessionsLastSeen1767700000100 implements MigrationInterface {
  name = 'OperatorSessionsLastSeen1767700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX IF NOT EXISTS operator_sessions_by_last_seen ON operator_sessions (last_seen_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS operator_sessions_by_last_seen');
  }
}
