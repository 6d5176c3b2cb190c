import type { SecretReadV1 } from '@hearth/contracts';
import { currentTraceHeaders } from '@hearth/platform/outbox';
import { isUniqueViolation, type FastPath, type PreparedStatement } from '@hearth/platform/postgres';
import type { ReadRecorder } from '../../app/ports.js';
import { hatchMessageOf } from './hatch-messages.js';

/**
 * The commit of a read, in one statement and so one round trip and one implicit transaction: the
 * request's nonce, the read event (a stream of its own) and its HATCH outbox row, all or nothing.
 * The read's hot path pays one commit instead of five round trips through an ORM transaction.
 */
const recordSecretRead: PreparedStatement = {
  name: 'record_secret_read',
  text: `WITH nonce AS (INSERT INTO seen_nonces (principal, nonce) VALUES ($11, $1)),
              event AS (INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
                        VALUES ($2, $3, $4, $5, $6, $7))
         INSERT INTO outbox (message_id, subject, payload, headers) VALUES ($2, $8, $9, $10)`,
};

export class ReadLedger implements ReadRecorder {
  constructor(private readonly fastPath: FastPath) {}

  async record(principal: string, nonce: string, event: SecretReadV1): Promise<boolean> {
    const hatch = hatchMessageOf(event);
    try {
      await this.fastPath.query(recordSecretRead, [
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
        principal,
      ]);
      return true;
    } catch (error) {
      if (isUniqueViolation(error, 'seen_nonces_pkey')) return false;
      throw error;
    }
  }
}
