import { boundedTicket, parkedSubject, type ParkedMessage, type ParkingTicket } from '@hearth/contracts';
import type { Clock, ParkingLot } from '@hearth/platform/ports';
import type { JetStreamClient } from '@nats-io/jetstream';

/**
 * The driver keeps nothing durable of its own (Docker labels are its state), so it parks a command
 * it will not run as a record on the PARKED stream, `parked.driver-localdocker`: durable, bounded
 * (the latest thousand), and listed by `hearth parked` like the services' parked_messages tables.
 */
export class JetStreamParkedRecords implements ParkingLot {
  constructor(
    private readonly js: JetStreamClient,
    private readonly clock: Clock,
  ) {}

  async park(ticket: ParkingTicket): Promise<void> {
    const record: ParkedMessage = { ...boundedTicket(ticket), parked_at: this.clock.now().toISOString() };
    await this.js.publish(parkedSubject('driver-localdocker'), JSON.stringify(record));
  }
}
