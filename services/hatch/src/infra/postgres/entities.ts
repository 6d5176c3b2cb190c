import type { AuditCheckpoint, AuditOrigin, AuditOutcome, AuditRecord } from '@hearth/contracts';
import { Check, Column, Entity, Index, PrimaryColumn, Unique, type ValueTransformer } from 'typeorm';
import type { ParkedEvent } from '../../app/ports.js';

// hatch's tables, one class each: the one definition of their columns (the migrations make them,
// entities.int.spec.ts shows the two agree). Rows are read as these, already in the contracts' shapes.

/** pg reads bigint as text; a seq stays far below 2^53. */
const bigintNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
/** The contracts carry instants as ISO text in UTC, to the millisecond: what timestamptz gives back, so a hash recomputes. */
const isoInstant: ValueTransformer = {
  to: (value: string) => value,
  from: (value: Date | null) => (value === null ? null : value.toISOString()),
};

/** `audit_log`: the hash chain, one record per event. UPDATE, DELETE and TRUNCATE are refused by trigger. */
@Entity('audit_log')
@Unique('audit_log_event_id_key', ['event_id'])
@Check('audit_log_seq_check', 'seq > 0')
@Index('audit_log_actor', ['actor', 'seq'])
@Index('audit_log_workspace', ['workspace_slug', 'seq'])
@Index('audit_log_occurred', ['occurred_at'])
// text_pattern_ops, which an entity cannot say: the migration makes it.
@Index('audit_log_path', { synchronize: false })
// An expression over data (->> 'username'), partial: the migration makes it too.
@Index('audit_log_username', { synchronize: false })
export class AuditLogEntity implements AuditRecord {
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber }) seq!: number;
  @Column({ type: 'uuid' }) event_id!: string;
  @Column({ type: 'text' }) event_type!: string;
  @Column({ type: 'timestamptz', transformer: isoInstant }) occurred_at!: string;
  @Column({ type: 'timestamptz', transformer: isoInstant }) recorded_at!: string;
  @Column({ type: 'text' }) source!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'text', nullable: true }) subject_path!: string | null;
  @Column({ type: 'text', nullable: true }) workspace_slug!: string | null;
  @Column({ type: 'text', nullable: true }) outcome!: AuditOutcome | null;
  @Column({ type: 'text', nullable: true }) trace_id!: string | null;
  @Column({ type: 'text' }) correlation_id!: string;
  @Column({ type: 'text', nullable: true }) causation_id!: string | null;
  @Column({ type: 'jsonb' }) data!: Record<string, unknown>;
  @Column({ type: 'jsonb', nullable: true }) origin!: AuditOrigin | null;
  @Column({ type: 'text' }) prev_hash!: string;
  @Column({ type: 'text' }) hash!: string;
}

/** `checkpoints`: signed statements that record `seq` had `hash`. Append-only, like the log. */
@Entity('checkpoints')
export class CheckpointEntity implements AuditCheckpoint {
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber }) seq!: number;
  @Column({ type: 'text' }) hash!: string;
  @Column({ type: 'timestamptz', transformer: isoInstant }) at!: string;
  @Column({ type: 'text' }) signature!: string;
}

/** `parked_events`: messages that did not become records, for an operator to look at. */
@Entity('parked_events')
export class ParkedEventEntity implements ParkedEvent {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'message_id', type: 'text' }) messageId!: string;
  @Column({ type: 'text' }) subject!: string;
  @Column({ type: 'text' }) reason!: string;
  @Column({ type: 'jsonb', nullable: true }) body!: unknown;
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' }) receivedAt!: Date;
}

/** `ingest_position`: the HATCH stream sequence of the last message that took effect. */
@Entity('ingest_position')
@Check('ingest_position_stream_seq_check', 'stream_seq >= 0')
export class IngestPositionEntity {
  @PrimaryColumn({ type: 'text' }) stream!: string;
  @Column({ name: 'stream_seq', type: 'bigint', transformer: bigintNumber }) streamSeq!: number;
}

/** `source_heads`: per emitting source, the highest audit event number hatch has seen. */
@Entity('source_heads')
@Check('source_heads_head_check', 'head >= 0')
export class SourceHeadEntity {
  @PrimaryColumn({ type: 'text' }) source!: string;
  @Column({ type: 'bigint', transformer: bigintNumber }) head!: number;
}

/** `open_gaps`: numbers below a source's head that have not arrived, each range within the gap it was detected in. */
@Entity('open_gaps')
export class OpenGapEntity {
  @PrimaryColumn({ type: 'text' }) source!: string;
  @PrimaryColumn({ name: 'from_seq', type: 'bigint', transformer: bigintNumber }) fromSeq!: number;
  @Column({ name: 'to_seq', type: 'bigint', transformer: bigintNumber }) toSeq!: number;
  @Column({ name: 'gap_id', type: 'uuid' }) gapId!: string;
  @Column({ name: 'gap_from', type: 'bigint', transformer: bigintNumber }) gapFrom!: number;
  @Column({ name: 'gap_to', type: 'bigint', transformer: bigintNumber }) gapTo!: number;
  @Column({ type: 'boolean' }) unrecoverable!: boolean;
}

export const hatchEntities = [
  AuditLogEntity,
  CheckpointEntity,
  ParkedEventEntity,
  IngestPositionEntity,
  SourceHeadEntity,
  OpenGapEntity,
];
