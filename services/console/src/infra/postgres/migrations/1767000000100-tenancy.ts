import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tenancy projection: orgs, their teams, the teams' workspaces (rebuilt from their streams). */
export class Tenancy1767000000100 implements MigrationInterface {
  name = 'Tenancy1767000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orgs (
        slug text PRIMARY KEY,
        display_name text NOT NULL,
        created timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE teams (
        slug text PRIMARY KEY,
        display_name text NOT NULL,
        org text NOT NULL,
        created timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX teams_org ON teams (org, slug)');
    await q.query(`
      CREATE TABLE workspaces (
        slug text PRIMARY KEY,
        display_name text NOT NULL,
        team text NOT NULL,
        org text NOT NULL,
        created timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX workspaces_team ON workspaces (team, slug)');
    await q.query('CREATE INDEX workspaces_org ON workspaces (org, slug)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE workspaces');
    await q.query('DROP TABLE teams');
    await q.query('DROP TABLE orgs');
  }
}
