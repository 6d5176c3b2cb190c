import { managerOf } from '@hearth/platform/postgres';
import type { Transaction } from '@hearth/platform/ports';

export interface ParkedEvent {
  id: string;
  messageId: string;
  subject: string;
  reason: string;
  /** Kept only when it carries nothing secret-looking and Postgres can store it. */
  body: unknown;
}

/** Messages from the HATCH stream that did not become records, with the reason, for an operator to look at. */
export class ParkedEvents {
  async park(tx: Transaction, events: readonly ParkedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await managerOf(tx).query(
      `INSERT INTO parked_events (id, message_id, subject, reason, body)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        events.map((e) => e.id),
        events.map((e) => e.messageId),
        events.map((e) => e.subject),
        events.map((e) => e.reason),
        events.map((e) => (e.body === undefined ? null : JSON.stringify(e.body))),
      ],
    );
  }
}
