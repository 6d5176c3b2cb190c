import type { DriverName, Status, Tier } from '@hearth/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of the deployment_refs projection: a DeploymentRef and the stream version it was built from.
 * Properties are named as the columns, which are the contract's own (snake_case) names.
 */
@Entity('deployment_refs')
export class DeploymentRefEntity {
  @PrimaryColumn('text')
  workspace_slug!: string;

  @Column('text')
  tier!: Tier;

  @Column('text')
  driver!: DriverName;

  @Column('text')
  engine!: string;

  @Column('text')
  endpoint!: string;

  @Column('text')
  secrets_vault_path!: string;

  @Column('timestamptz')
  created!: Date;

  @Column('text')
  last_status!: Status;

  @Column('integer')
  stream_version!: number;
}
