import type { ParkedList } from '@hearth/contracts';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ListParkedEvents } from '../../app/list-parked-events/list-parked-events.js';
import { AuditReaderGuard } from './audit-reader.guard.js';

/** What the ingest parked: read by whoever may read the log. */
@Controller('v1/parked')
@UseGuards(AuditReaderGuard)
export class ParkedController {
  constructor(private readonly listParkedEvents: ListParkedEvents) {}

  @Get()
  list(): Promise<ParkedList> {
    return this.listParkedEvents.run();
  }
}
