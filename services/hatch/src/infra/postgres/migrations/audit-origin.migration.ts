import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each record keeps its emitter's signature (AuditOrigin), sealed by the record's hash. Records made
 * before have none (NULL), and hash as they did.
 */
export class AuditOrigin1764700000300 implements MigrationInterface {
  name = 'AuditOrigin1764700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_log ADD COLUMN origin jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_log DROP COLUMN origin');
  }
}
