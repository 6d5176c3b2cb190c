import type { Capability, LeaseState, Provider, SslMode, TestStatus } from '@hearth/contracts';
import type { WorkKind, WorkOutcome } from '../../app/ports.js';
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
  @Column('text', { default: 'generic' }) type!: string;
  @Column('integer', { name: 'type_version', nullable: true }) typeVersion!: number | null;
  @Column('text', { default: 'production' }) environment!: string;
  @Column('boolean', { default: true }) active!: boolean;
  /** The type's metadata fields: never a password or hidden field. */
  @Column('jsonb', { default: {} }) fields!: Record<string, string>;
  @Column('timestamptz', { name: 'last_tested', nullable: true }) lastTested!: Date | null;
  @Column('text', { name: 'test_status', nullable: true }) testStatus!: TestStatus | null;
  @Column('text', { name: 'test_message', nullable: true }) testMessage!: string | null;
  @Column('integer', { name: 'rotation_days', nullable: true }) rotationDays!: number | null;
  @Column('timestamptz', { name: 'next_rotation_at', nullable: true }) nextRotationAt!: Date | null;
  @Column('timestamptz', { name: 'last_rotated_at', nullable: true }) lastRotatedAt!: Date | null;
  @Column('integer', { name: 'pending_version', nullable: true }) pendingVersion!: number | null;
  /** A rotation's new value, sealed aside (the sealed parts, bound to the path and pending_version): never the value. */
  @Column('jsonb', { name: 'pending_value', nullable: true }) pendingValue!: Record<string, string> | null;
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

/** An engine: where its database is; a root rotation in flight keeps its new value's sealed parts (base64) in `pendingRoot`. */
@Entity('lease_engines')
export class LeaseEngineRecord {
  @PrimaryColumn('text') name!: string;
  @Column('text') host!: string;
  @Column('integer') port!: number;
  @Column('text') database!: string;
  @Column('text') sslmode!: SslMode;
  @Column('text', { name: 'root_path' }) rootPath!: string;
  @Column('text', { nullable: true }) workspace!: string | null;
  @Column('integer', { name: 'rotation_days', nullable: true }) rotationDays!: number | null;
  @Column('integer', { name: 'root_version' }) rootVersion!: number;
  @Column('jsonb', { name: 'pending_root', nullable: true }) pendingRoot!: Record<string, string> | null;
  @Column('text', { name: 'rotation_step', nullable: true }) rotationStep!: 'pending' | 'applied' | null;
  @Column('timestamptz', { name: 'last_rotated_at', nullable: true }) lastRotatedAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity('lease_roles')
export class LeaseRoleRecord {
  @PrimaryColumn('text') name!: string;
  @Column('text') engine!: string;
  @Column('text', { name: 'creation_statements', array: true }) creationStatements!: string[];
  @Column('text', { name: 'revocation_statements', array: true }) revocationStatements!: string[];
  @Column('text', { name: 'renew_statements', array: true }) renewStatements!: string[];
  @Column('text', { name: 'rollback_statements', array: true }) rollbackStatements!: string[];
  @Column('integer', { name: 'default_ttl' }) defaultTtl!: number;
  @Column('integer', { name: 'max_ttl' }) maxTtl!: number;
  @Column('text', { name: 'username_template' }) usernameTemplate!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity('leases')
export class LeaseRecord {
  @PrimaryColumn('text', { name: 'lease_id' }) leaseId!: string;
  @Column('text') role!: string;
  @Column('text') engine!: string;
  @Column('text', { nullable: true }) workspace!: string | null;
  @Column('text') username!: string;
  @Column('text') state!: LeaseState;
  @Column('text', { name: 'revocation_statements', array: true }) revocationStatements!: string[];
  @Column('text', { name: 'issued_by' }) issuedBy!: string;
  @Column('timestamptz', { name: 'issued_at' }) issuedAt!: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'max_expires_at' }) maxExpiresAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
}

/** What the driver has to do in a sidecar: claimed by the principal that made the credential, closed by its report. */
@Entity('credential_work')
export class CredentialWorkRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') kind!: WorkKind;
  @Column('text') path!: string;
  @Column('integer') version!: number;
  @Column('text') claimant!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'claimed_at', nullable: true }) claimedAt!: Date | null;
  @Column('integer', { default: 0 }) attempts!: number;
  @Column('timestamptz', { name: 'done_at', nullable: true }) doneAt!: Date | null;
  @Column('text', { nullable: true }) outcome!: WorkOutcome | null;
  @Column('text', { nullable: true }) message!: string | null;
}

/** One version of a custom credential type, as its admin defined it (CredentialTypeDefinition, parsed). */
@Entity('credential_types')
export class CredentialTypeRecord {
  @PrimaryColumn('text') name!: string;
  @PrimaryColumn('integer') version!: number;
  @Column('jsonb') definition!: object;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

export const vaultEntities = [
  SecretRecord,
  SecretVersionRecord,
  PrincipalRecord,
  PolicyRuleRecord,
  SeenNonceRecord,
  LeaseEngineRecord,
  LeaseRoleRecord,
  LeaseRecord,
  CredentialWorkRecord,
  CredentialTypeRecord,
];
