import { Module, type DynamicModule } from '@nestjs/common';
import { AuditorAccess } from './app/auditor-access/auditor-access.js';
import { ExportLog } from './app/export-log/export-log.js';
import { SearchRecords } from './app/search-records/search-records.js';
import { AuditorTail } from './app/tail-records/auditor-tail.js';
import { TailRecords } from './app/tail-records/tail-records.js';
import type { Hatch } from './compose.js';
import { AuditController } from './transport/http/audit.controller.js';
import { AuditReaderGuard } from './transport/http/audit-reader.guard.js';
import { AuditEndpoints } from './transport/nats/audit.endpoints.js';

/** hatch's wiring, in one place: the use cases are built by composeHatch, Nest only routes. */
@Module({})
export class HatchModule {
  static with(hatch: Hatch): DynamicModule {
    return {
      module: HatchModule,
      controllers: [AuditController, AuditEndpoints],
      providers: [
        { provide: SearchRecords, useValue: hatch.searchRecords },
        { provide: TailRecords, useValue: hatch.tailRecords },
        { provide: AuditorTail, useValue: hatch.auditorTail },
        { provide: ExportLog, useValue: hatch.exportLog },
        { provide: AuditorAccess, useValue: hatch.access },
        AuditReaderGuard,
      ],
    };
  }
}
