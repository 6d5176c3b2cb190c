import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a deployment_refs row notifies `deployment_refs_changed` with its slug at commit
 * (a TRUNCATE with an empty payload: everything), so each console process evicts what its discovery
 * cache holds of it, whichever process or tool wrote the row.
 */
export class DeploymentRefsNotify1767200000100 implements MigrationInterface {
  name = 'DeploymentRefsNotify1767200000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION deployment_refs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('deployment_refs_changed', '');
          RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('deployment_refs_changed', OLD.workspace_slug); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('deployment_refs_changed', NEW.workspace_slug); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER deployment_refs_changed AFTER INSERT OR UPDATE OR DELETE ON deployment_refs
                     FOR EACH ROW EXECUTE FUNCTION deployment_refs_changed()`);
    await q.query(`CREATE TRIGGER deployment_refs_truncated AFTER TRUNCATE ON deployment_refs
                     FOR EACH STATEMENT EXECUTE FUNCTION deployment_refs_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER deployment_refs_truncated ON deployment_refs');
    await q.query('DROP TRIGGER deployment_refs_changed ON deployment_refs');
    await q.query('DROP FUNCTION deployment_refs_changed()');
  }
}
