import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each deployment_refs row names the engine its deployment lives on. Rows of deployments made before
 * there were several engines are left without one: which engine that is, the console records at its
 * first start (console_settings `pre_engine_engine`: its first engine then), so that start finds them
 * behind and rebuilds the projection from the events, read as placed there, before anything reads it.
 * Every row written since names its engine. The partial index serves placement's count of the
 * workspaces each engine holds.
 */
export class DeploymentEngines1767400000100 implements MigrationInterface {
  name = 'DeploymentEngines1767400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deployment_refs ADD COLUMN engine text');
    await q.query('CREATE TABLE console_settings (name text PRIMARY KEY, value text NOT NULL)');
    await q.query(
      `CREATE INDEX deployment_refs_live_by_engine ON deployment_refs (engine) WHERE last_status <> 'deprovisioned'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE console_settings');
    await q.query('DROP INDEX deployment_refs_live_by_engine');
    await q.query('ALTER TABLE deployment_refs DROP COLUMN engine');
  }
}
