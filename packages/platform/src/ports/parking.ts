import type { ParkingTicket } from '@hearth/contracts';

/** Where a consumer puts what it will not apply, so that it can move on and an operator can see it. */
export interface ParkingLot {
  /** Keeps `ticket`, its texts bounded (boundedTicket). */
  park(ticket: ParkingTicket): Promise<void>;
}
