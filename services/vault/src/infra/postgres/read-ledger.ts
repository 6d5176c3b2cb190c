import type { SecretReadV1 } from '@hearth/contracts';
import { currentTraceHeaders } from '@hearth/platform/outbox';
import type { FastPath, PreparedStatement } from '@hearth/platform/postgres';
import type { ReadRecorder } from '../../app/ports.js';
import { hatchMessageOf } from './hatch-messages.js';
import { distinctByNonce, type NonceKey } from './read-batch.js';

/**
 * The commit of a batch of reads, in one statement and so one round trip and one implicit
 * transaction: each read's nonce, its event (a stream of its own) and its HATCH outbox row, all or
 * nothing. A nonce kept before is skipped with its event and outbox row; the statement returns the
 * ids of the events it recorded, so a read missing from them was a replay.
 */
const recordSecretReads: PreparedStatement = {
  name: 'record_secret_reads',
  text: `WITH batch AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::text[],
                                $7::jsonb[], $8::jsonb[], $9::text[], $10::text[], $11::jsonb[])
             WITH ORDINALITY AS b(principal, nonce, event_id, stream_id, stream_version, type,
                                  data, metadata, subject, payload, headers, n)),
         kept AS (
           INSERT INTO seen_nonces (principal, nonce) SELECT principal, nonce FROM batch ORDER BY n
           ON CONFLICT DO NOTHING RETURNING principal, nonce),
         recorded AS (SELECT batch.* FROM batch JOIN kept USING (principal, nonce)),
         event AS (
           INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
           SELECT event_id, stream_id, stream_version, type, data, metadata FROM recorded ORDER BY n)
         INSERT INTO outbox (message_id, subject, payload, headers)
         SELECT event_id, subject, payload, headers FROM recorded ORDER BY n
         RETURNING message_id::text AS id`,
};

export interface ReadLedgerOptions {
  /** The most reads one commit holds; a batch this full is committed at once (default 64). */
  maxBatch?: number;
  /** The longest a read waits for a commit already in flight before its batch commits beside it (default 1 ms). */
  maxWaitMs?: number;
}

/** A read waiting for its commit, its columns ready for the statement. */
interface WaitingRead extends NonceKey {
  readonly eventId: string;
  readonly columns: readonly unknown[];
  resolve(recorded: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit of the audited reads. A read that finds no commit in flight commits at once, so a
 * lone caller waits for nothing but its own commit; reads that arrive while one is in flight gather
 * and commit together as soon as it ends, or sooner once `maxBatch` of them wait or the first has
 * waited `maxWaitMs`. Each caller learns its answer only from the commit holding its own event; a
 * failed commit fails every read in it.
 */
export class ReadLedger implements ReadRecorder {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private waiting: WaitingRead[] = [];
  private inFlight = 0;
  private deadline: NodeJS.Timeout | null = null;

  constructor(
    private readonly fastPath: FastPath,
    options: ReadLedgerOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxWaitMs = options.maxWaitMs ?? 1;
  }

  record(principal: string, nonce: string, event: SecretReadV1): Promise<boolean> {
    const hatch = hatchMessageOf(event);
    // Taken here, in the caller's context: the batch commits in whichever caller's context started it.
    const columns = [
      principal,
      nonce,
      event.id,
      event.stream,
      event.version,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      hatch.subject,
      JSON.stringify(hatch.payload),
      JSON.stringify(currentTraceHeaders()),
    ];
    return new Promise((resolve, reject) => {
      this.waiting.push({ principal, nonce, eventId: event.id, columns, resolve, reject });
      if (this.inFlight === 0 || this.waiting.length >= this.maxBatch) this.flush();
      else this.deadline ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  private flush(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.inFlight++;
    void this.commit(batch).finally(() => {
      this.inFlight--;
      if (this.waiting.length > 0) this.flush();
    });
  }

  private async commit(batch: readonly WaitingRead[]): Promise<void> {
    try {
      const rows = distinctByNonce(batch);
      const columns = rows[0]!.columns.map((_, column) => rows.map((read) => read.columns[column]));
      const recorded = await this.fastPath.query<{ id: string }>(recordSecretReads, columns);
      const ids = new Set(recorded.map((row) => row.id));
      for (const read of batch) read.resolve(ids.has(read.eventId));
    } catch (error) {
      for (const read of batch) read.reject(error);
    }
  }
}
