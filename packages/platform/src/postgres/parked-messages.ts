import { boundedTicket, PARKED_LIMITS, type ParkedMessage, type ParkingTicket } from '@hearth/contracts';
import type { DataSource, Repository } from 'typeorm';
import type { ParkingLot } from '../ports/parking.js';
import { ParkedMessageEntity } from './platform-entities.js';

/**
 * `parked_messages`: what a service's consumers terminated instead of applying. Written on its own,
 * outside the transaction that failed (which has rolled back by then), every text cut to its bound.
 */
export class ParkedMessageTable implements ParkingLot {
  private readonly rows: Repository<ParkedMessageEntity>;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(ParkedMessageEntity);
  }

  async park(ticket: ParkingTicket): Promise<void> {
    const bounded = boundedTicket(ticket);
    await this.rows.insert({
      consumer: bounded.consumer,
      subject: bounded.subject,
      messageId: bounded.message_id,
      streamSeq: bounded.stream_seq === null ? null : String(bounded.stream_seq),
      reason: bounded.reason,
      detail: bounded.detail,
      excerpt: bounded.excerpt,
    });
  }

  /** The latest parked messages, newest first. */
  async latest(limit: number = PARKED_LIMITS.listed): Promise<ParkedMessage[]> {
    const rows = await this.rows.find({ order: { id: 'DESC' }, take: limit });
    return rows.map((row) => ({
      consumer: row.consumer,
      subject: row.subject,
      message_id: row.messageId,
      stream_seq: row.streamSeq === null ? null : Number(row.streamSeq),
      reason: row.reason as ParkedMessage['reason'],
      detail: row.detail,
      excerpt: row.excerpt,
      parked_at: row.parkedAt.toISOString(),
    }));
  }
}
