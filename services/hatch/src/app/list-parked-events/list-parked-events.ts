import type { ParkedList } from '@hearth/contracts';
import type { ParkedEventReader } from '../ports.js';

/** What hatch's ingest parked instead of recording, newest first, for an operator or auditor to look at. */
export class ListParkedEvents {
  constructor(private readonly parked: ParkedEventReader) {}

  async run(): Promise<ParkedList> {
    return { items: await this.parked.latest() };
  }
}
