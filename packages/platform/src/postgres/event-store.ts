import { ErrorCode, HearthError, type Envelope, type EventMetadata } from '@hearth/contracts';
import { MoreThan } from 'typeorm';
import type { Transaction } from '../ports/unit-of-work.js';
import { FastPath, type PreparedStatement } from './fast-path.js';
import { EventEntity } from './platform-entities.js';
import { managerOf } from './unit-of-work.js';

/** An event about to be appended; the store assigns its stream and version. */
export interface NewEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  data: D;
  metadata: EventMetadata;
}

export interface StoredEvent extends Envelope {
  globalPosition: bigint;
}

/** The stream was appended to by someone else since it was read. */
export class VersionConflictError extends HearthError {
  constructor(
    readonly stream: string,
    readonly expectedVersion: number,
  ) {
    super(ErrorCode.VersionConflict, `stream ${stream} is no longer at version ${expectedVersion}`);
  }
}

type EventRow = Omit<EventEntity, 'recordedAt'>;

function toStored(row: EventRow): StoredEvent {
  return {
    id: row.eventId,
    type: row.type,
    stream: row.streamId,
    version: row.streamVersion,
    data: row.data,
    metadata: row.metadata,
    globalPosition: BigInt(row.globalPosition),
  };
}

/** Every write of a use case goes through it: a hot statement, on the fast path (see FastPath). */
const APPEND: PreparedStatement = {
  name: 'platform_events_append',
  text: `INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
         SELECT e.id, $1, $2 + e.ordinality, e.type, e.data, e.metadata
         FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY
              AS e(id, type, data, metadata, ordinality)
         RETURNING global_position AS "globalPosition", event_id AS "eventId", stream_id AS "streamId",
                   stream_version AS "streamVersion", type, data, metadata`,
};

/**
 * An append-only event store in the service's own Postgres database. Every method takes the
 * use case's transaction, so an append commits with whatever else the use case writes
 * (projection rows, outbox messages) or not at all.
 */
export class EventStore {
  /**
   * Appends `events` to `stream`, which must be at `expectedVersion` (0: the stream is new).
   * The (stream, version) unique key turns a lost race into a VersionConflictError.
   */
  async append(
    tx: Transaction,
    stream: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    try {
      const rows = await FastPath.queryIn<EventRow>(tx, APPEND, [
        stream,
        expectedVersion,
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ]);
      return rows.map(toStored);
    } catch (error) {
      if (isUniqueViolation(error, 'events_stream_version_key')) {
        throw new VersionConflictError(stream, expectedVersion);
      }
      throw error;
    }
  }

  async readStream(tx: Transaction, stream: string): Promise<StoredEvent[]> {
    const rows = await managerOf(tx).find(EventEntity, {
      where: { streamId: stream },
      order: { streamVersion: 'ASC' },
    });
    return rows.map(toStored);
  }

  /**
   * Every committed event after `position`, in global order. Only for a reader that has made the
   * writers wait (a projection rebuild holding its table's lock): positions come from a sequence, so
   * otherwise a transaction still open could later commit a position lower than one already read.
   */
  async readAllCommitted(tx: Transaction, after: bigint, limit: number): Promise<StoredEvent[]> {
    const rows = await managerOf(tx).find(EventEntity, {
      where: { globalPosition: MoreThan(after.toString()) },
      order: { globalPosition: 'ASC' },
      take: limit,
    });
    return rows.map(toStored);
  }
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const name = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
