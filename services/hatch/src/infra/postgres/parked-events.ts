import type { Transaction } from '@hearth/platform/ports';
import { managerOf } from '@hearth/platform/postgres';
import type { ParkedEvent, ParkingLot } from '../../app/ports.js';
import { ParkedEventEntity } from './entities.js';

/** `parked_events`: messages from the HATCH stream that did not become records, with the reason. */
export class ParkedEventTable implements ParkingLot {
  async park(tx: Transaction, events: readonly ParkedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await managerOf(tx)
      .getRepository(ParkedEventEntity)
      .insert(events.map((event) => ({ ...event, body: event.body ?? undefined }))); // no body: NULL
  }
}
