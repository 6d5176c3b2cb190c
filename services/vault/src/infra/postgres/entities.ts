import type { Capability, Provider } from '@hearth/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

// The vault's tables, one definition of their columns each (the migrations create them).

/** A secret path's metadata: never a value. */
@Entity('secrets')
export class SecretRecord {
  @PrimaryColumn('text') path!: string;
  @Column('integer', { name: 'current_version' }) currentVersion!: number;
  @Column('text') provider!: Provider;
  @Column('jsonb') tags!: Record<string, string>;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt!: Date | null;
  @Column('text', { name: 'value_names', array: true }) valueNames!: string[];
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** A version's ciphertext and wrapped key: the only place a value exists. Destroy wipes the five sealed columns. */
@Entity('secret_versions')
export class SecretVersionRecord {
  @PrimaryColumn('text') path!: string;
  @PrimaryColumn('integer') version!: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('boolean', { default: false }) deleted!: boolean;
  @Column('boolean', { default: false }) destroyed!: boolean;
  @Column('text') format!: string;
  @Column('bytea', { nullable: true }) nonce!: Buffer | null;
  @Column('bytea', { nullable: true }) ciphertext!: Buffer | null;
  @Column('text', { name: 'kek_id', nullable: true }) kekId!: string | null;
  @Column('bytea', { name: 'wrapped_dek', nullable: true }) wrappedDek!: Buffer | null;
  @Column('bytea', { name: 'dek_nonce', nullable: true }) dekNonce!: Buffer | null;
}

@Entity('principals')
export class PrincipalRecord {
  @PrimaryColumn('text') name!: string;
  @Column('text', { name: 'public_key' }) publicKey!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
}

@Entity('policy_rules')
export class PolicyRuleRecord {
  @PrimaryColumn('text') principal!: string;
  @PrimaryColumn('text') pattern!: string;
  @Column('text') effect!: 'allow' | 'deny';
  @Column('text', { array: true }) capabilities!: Capability[];
}

/** A request nonce inside the freshness window, per principal: one cannot burn another's. */
@Entity('seen_nonces')
export class SeenNonceRecord {
  @PrimaryColumn('text') principal!: string;
  @PrimaryColumn('text') nonce!: string;
  @Column('timestamptz', { name: 'seen_at', default: () => 'now()' }) seenAt!: Date;
}

export const vaultEntities = [SecretRecord, SecretVersionRecord, PrincipalRecord, PolicyRuleRecord, SeenNonceRecord];
