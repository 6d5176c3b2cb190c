import type { MigrationInterface, QueryRunner } from 'typeorm';

/** "Who had database user X, and when": the records naming a user (a lease's events), found by it. */
export class LeaseUsers1766000000600 implements MigrationInterface {
  name = 'LeaseUsers1766000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      "CREATE INDEX audit_log_username ON audit_log ((data->>'username'), seq) WHERE (data->>'username') IS NOT NULL",
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX audit_log_username');
  }
}
