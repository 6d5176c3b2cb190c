import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { EventMetadata } from '@hearth/contracts';

/** One event of a stream: the event store's table. */
@Entity({ name: 'events' })
@Unique('events_stream_version_key', ['streamId', 'streamVersion'])
@Unique('events_event_id_key', ['eventId'])
export class EventEntity {
  /** bigint: pg hands it over as a string, which BigInt() takes without loss. */
  @PrimaryGeneratedColumn({ type: 'bigint', name: 'global_position' })
  globalPosition!: string;

  @Column({ type: 'uuid', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'text', name: 'stream_id' })
  streamId!: string;

  @Column({ type: 'integer', name: 'stream_version' })
  streamVersion!: number;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'jsonb' })
  data!: unknown;

  @Column({ type: 'jsonb' })
  metadata!: EventMetadata;

  @CreateDateColumn({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt!: Date;
}

/** A message waiting in the transactional outbox for the relay to publish. */
@Entity({ name: 'outbox' })
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  position!: string;

  @Column({ type: 'uuid', name: 'message_id', unique: true })
  messageId!: string;

  @Column({ type: 'text' })
  subject!: string;

  /** The JSON as published, kept as text so the relay sends it byte for byte. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'jsonb', default: {} })
  headers!: Record<string, string>;

  @CreateDateColumn({ type: 'timestamptz', name: 'enqueued_at' })
  enqueuedAt!: Date;
}

/** A message an idempotent consumer has taken effect of, so a redelivery is acked and skipped. */
@Entity({ name: 'processed_messages' })
export class ProcessedMessageEntity {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ type: 'text', name: 'message_id' })
  messageId!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'processed_at' })
  processedAt!: Date;
}

/** A message a consumer terminated instead of applying, for an operator to look at (see ParkedMessageTable). */
@Entity({ name: 'parked_messages' })
export class ParkedMessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  consumer!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'bigint', name: 'stream_seq', nullable: true })
  streamSeq!: string | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  detail!: string;

  @Column({ type: 'text', nullable: true })
  excerpt!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'parked_at' })
  parkedAt!: Date;
}

/** The platform's tables, which every service's DataSource registers beside its own. */
export const platformEntities = [EventEntity, OutboxEntity, ProcessedMessageEntity, ParkedMessageEntity];
