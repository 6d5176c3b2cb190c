import type { OperatorRole } from '@hearth/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An operator bearer token, known by its SHA-256 only; properties named as the columns. */
@Entity('operator_tokens')
export class OperatorTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
  name!: string;

  @Column('text')
  role!: OperatorRole;

  @Column('bytea', { unique: true })
  token_sha256!: Buffer;

  @Column('text')
  created_by!: string;

  @Column('timestamptz', { default: () => 'now()' })
  created_at!: Date;
}
