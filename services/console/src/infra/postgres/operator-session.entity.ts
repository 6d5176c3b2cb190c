import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A browser session of the web console, known by hashes only; properties named as the columns. */
@Entity('operator_sessions')
export class OperatorSessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('bytea', { unique: true })
  secret_sha256!: Buffer;

  @Column('bytea')
  csrf_sha256!: Buffer;

  @Index('operator_sessions_by_token')
  @Column('uuid')
  token_id!: string;

  @Column('timestamptz')
  created_at!: Date;

  @Index('operator_sessions_by_last_seen')
  @Column('timestamptz')
  last_seen_at!: Date;
}
