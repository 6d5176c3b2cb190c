import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The tenancy projection's rows: one table a kind, properties named as the columns (the contracts'
 * snake_case). A tenant is created once and never changes, so a row needs no stream version.
 */
@Entity('orgs')
export class OrgEntity {
  @PrimaryColumn('text')
  slug!: string;

  @Column('text')
  display_name!: string;

  @Column('timestamptz')
  created!: Date;
}

@Entity('teams')
export class TeamEntity {
  @PrimaryColumn('text')
  slug!: string;

  @Column('text')
  display_name!: string;

  @Column('text')
  org!: string;

  @Column('timestamptz')
  created!: Date;
}

@Entity('workspaces')
export class WorkspaceEntity {
  @PrimaryColumn('text')
  slug!: string;

  @Column('text')
  display_name!: string;

  @Column('text')
  team!: string;

  @Column('text')
  org!: string;

  @Column('timestamptz')
  created!: Date;
}
