import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsoleSchema1763800000100 implements MigrationInterface {
  name = 'ConsoleSchema1763800000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployment_refs (
        workspace_slug text PRIMARY KEY,
        tier text NOT NULL,
        driver text NOT NULL,
        endpoint text NOT NULL,
        secrets_vault_path text NOT NULL,
        created timestamptz NOT NULL,
        last_status text NOT NULL,
        stream_version integer NOT NULL
      )`);
    await q.query('CREATE INDEX deployment_refs_status ON deployment_refs (last_status, workspace_slug)');
    await q.query(`
      CREATE TABLE operator_tokens (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
        token_sha256 bytea NOT NULL UNIQUE,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE operator_tokens');
    await q.query('DROP TABLE deployment_refs');
  }
}
