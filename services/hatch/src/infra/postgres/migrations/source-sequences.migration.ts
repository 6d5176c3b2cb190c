import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What hatch knows of each source's numbering: its head and the numbers still missing below it. */
export class SourceSequences1766000000300 implements MigrationInterface {
  name = 'SourceSequences1766000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_heads (
        source text PRIMARY KEY,
        head bigint NOT NULL,
        CONSTRAINT source_heads_head_check CHECK (head >= 0)
      )`);
    await q.query(`
      CREATE TABLE open_gaps (
        source text NOT NULL,
        from_seq bigint NOT NULL,
        to_seq bigint NOT NULL,
        gap_id uuid NOT NULL,
        gap_from bigint NOT NULL,
        gap_to bigint NOT NULL,
        unrecoverable boolean NOT NULL,
        PRIMARY KEY (source, from_seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE open_gaps');
    await q.query('DROP TABLE source_heads');
  }
}
