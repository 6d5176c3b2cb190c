import { ErrorCode, HearthError, type Envelope } from '@hearth/contracts';
import { currentTraceHeaders, type OutboxMessage } from '@hearth/platform/outbox';
import { isUniqueViolation, poolOf } from '@hearth/platform/postgres';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The commit of a read, in one statement and so one round trip and one implicit transaction: the
 * request's nonce, the read event (a stream of its own) and its HATCH outbox row, all or nothing.
 * The read's hot path pays one commit instead of five round trips through an ORM transaction.
 */
export class ReadLedger {
  private readonly pool: pg.Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async record(nonce: string, event: Envelope, hatch: OutboxMessage): Promise<void> {
    try {
      await this.pool.query({
        name: 'record_secret_read',
        text: `WITH nonce AS (INSERT INTO seen_nonces (nonce) VALUES ($1)),
                    event AS (INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
                              VALUES ($2, $3, $4, $5, $6, $7))
               INSERT INTO outbox (message_id, subject, payload, headers) VALUES ($2, $8, $9, $10)`,
        values: [
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
        ],
      });
    } catch (error) {
      if (isUniqueViolation(error, 'seen_nonces_pkey')) {
        throw new HearthError(ErrorCode.ReplayedNonce, 'this request was seen before');
      }
      throw error;
    }
  }
}
