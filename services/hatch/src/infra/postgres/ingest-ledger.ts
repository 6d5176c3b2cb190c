import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';
import { ErrorCode, HearthError } from '@hearth/contracts';

/** Another ingester moved the position since this one read it: its batch is stale and must not land. */
export class StaleIngestError extends HearthError {
  constructor(stream: string, expected: number) {
    super(ErrorCode.VersionConflict, `the ${stream} ingest position is no longer ${expected}`);
  }
}

/**
 * Where hatch is in the HATCH stream, and which messages took effect. The position is the stream
 * sequence of the last message handled, moved in the transaction that handled it, so a restart
 * resumes exactly after the last commit. `processed_messages` (the platform's idempotent-consumer
 * ledger) keeps every message id, so an event published again after JetStream's duplicate window,
 * as a new stream message, is still taken once.
 */
export class IngestLedger {
  constructor(private readonly consumer: string) {}

  async position(db: Transaction, stream: string): Promise<number> {
    const rows: Array<{ stream_seq: string }> = await managerOf(db).query(
      'SELECT stream_seq FROM ingest_position WHERE stream = $1',
      [stream],
    );
    return Number(rows[0]?.stream_seq ?? 0);
  }

  /**
   * Moves the position from `from` to `to`, or throws StaleIngestError if it is not at `from`. The
   * row stays locked until commit: appenders take turns, and the log's seq order is commit order.
   */
  async advance(tx: Transaction, stream: string, from: number, to: number): Promise<void> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [, affected] = await managerOf(tx).query<[unknown, number]>(
      'UPDATE ingest_position SET stream_seq = $3 WHERE stream = $1 AND stream_seq = $2',
      [stream, from, to],
    );
    if (affected !== 1) throw new StaleIngestError(stream, from);
  }

  /** Enters the message ids in the ledger; returns those that were not there yet. */
  async claim(tx: Transaction, messageIds: readonly string[]): Promise<Set<string>> {
    const rows: Array<{ message_id: string }> = await managerOf(tx).query(
      `INSERT INTO processed_messages (consumer, message_id) SELECT $1, unnest($2::text[])
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [this.consumer, [...new Set(messageIds)]],
    );
    return new Set(rows.map((r) => r.message_id));
  }
}
