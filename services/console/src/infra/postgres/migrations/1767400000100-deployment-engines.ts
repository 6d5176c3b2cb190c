import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each deployment_refs row names the engine its deployment lives on. Rows of deployments made
 * before there were several engines get the default engine, as their events read (upcast); the
 * default is then dropped, since every new row names its engine. The partial index serves
 * placement's count of the workspaces each engine holds.
 */
export class DeploymentEngines1767400000100 implements MigrationInterface {
  name = 'DeploymentEngines1767400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deployment_refs ADD COLUMN engine text NOT NULL DEFAULT 'default'`);
    await q.query('ALTER TABLE deployment_refs ALTER COLUMN engine DROP DEFAULT');
    await q.query(
      `CREATE INDEX deployment_refs_live_by_engine ON deployment_refs (engine) WHERE last_status <> 'deprovisioned'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX deployment_refs_live_by_engine');
    await q.query('ALTER TABLE deployment_refs DROP COLUMN engine');
  }
}
