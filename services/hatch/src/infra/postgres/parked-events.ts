import { parkableText, PARKED_LIMITS, type ParkedMessage } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { DataSource } from 'typeorm';
import type { ParkedEvent, ParkedEventReader, ParkingLot } from '../../app/ports.js';
import { ParkedEventEntity } from './entities.js';

/** `parked_events`: messages from the HATCH stream that did not become records, with the reason. */
export class ParkedEventTable implements ParkingLot, ParkedEventReader {
  constructor(
    private readonly dataSource: DataSource,
    /** The ingest's consumer name, which the listing names as the one that parked. */
    private readonly consumer: string,
  ) {}

  async park(tx: Transaction, events: readonly ParkedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await managerOf(tx)
      .getRepository(ParkedEventEntity)
      .insert(events.map((event) => ({ ...event, body: event.body ?? undefined }))); // no body: NULL
  }

  /** The latest parked events, newest first, in the shape every service lists its parked messages in. */
  async latest(): Promise<ParkedMessage[]> {
    const rows = await this.dataSource
      .getRepository(ParkedEventEntity)
      .find({ order: { receivedAt: 'DESC' }, take: PARKED_LIMITS.listed });
    return rows.map((row) => ({
      consumer: this.consumer,
      subject: row.subject,
      message_id: row.messageId,
      stream_seq: null,
      reason: 'invalid',
      detail: row.reason,
      excerpt: row.body === null ? null : parkableText(JSON.stringify(row.body), PARKED_LIMITS.excerpt),
      parked_at: row.receivedAt.toISOString(),
    }));
  }
}
