import { ErrorCode, HearthError, type Envelope, type EventMetadata } from '@hearth/contracts';
import type { Transaction } from '../ports/unit-of-work.js';
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

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

function toStored(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    type: row.type,
    stream: row.stream_id,
    version: row.stream_version,
    data: row.data,
    metadata: row.metadata,
    globalPosition: BigInt(row.global_position),
  };
}

const COLUMNS = 'global_position, event_id, stream_id, stream_version, type, data, metadata';

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
      const rows: EventRow[] = await managerOf(tx).query(
        `INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
         SELECT e.id, $1, $2 + e.ordinality, e.type, e.data, e.metadata
         FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY
              AS e(id, type, data, metadata, ordinality)
         RETURNING ${COLUMNS}`,
        [
          stream,
          expectedVersion,
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      );
      return rows.map(toStored);
    } catch (error) {
      if (isUniqueViolation(error, 'events_stream_version_key')) {
        throw new VersionConflictError(stream, expectedVersion);
      }
      throw error;
    }
  }

  async readStream(tx: Transaction, stream: string): Promise<StoredEvent[]> {
    const rows: EventRow[] = await managerOf(tx).query(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`,
      [stream],
    );
    return rows.map(toStored);
  }

  /**
   * Events after `position` in commit-safe global order. Positions come from a sequence, so a
   * transaction that started earlier can commit a lower position later; only events older than
   * every transaction still in flight are returned, so a reader never skips one.
   */
  async readAll(tx: Transaction, after: bigint, limit: number): Promise<StoredEvent[]> {
    const rows: EventRow[] = await managerOf(tx).query(
      `SELECT ${COLUMNS} FROM events
       WHERE global_position > $1 AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY global_position LIMIT $2`,
      [after.toString(), limit],
    );
    return rows.map(toStored);
  }

  /**
   * Every committed event after `position`, in global order, in-flight transactions or not. Only for
   * a reader that has already made its writers wait (a projection rebuild holding the projection's
   * table lock): there `readAll`'s horizon would hide events that committed after the oldest
   * transaction still open anywhere, whose rows the rebuild would then overwrite with older state.
   */
  async readAllCommitted(tx: Transaction, after: bigint, limit: number): Promise<StoredEvent[]> {
    const rows: EventRow[] = await managerOf(tx).query(
      `SELECT ${COLUMNS} FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
      [after.toString(), limit],
    );
    return rows.map(toStored);
  }
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const name = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
