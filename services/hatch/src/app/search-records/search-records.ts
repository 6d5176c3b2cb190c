import type { AuditRecordPage, AuditRecordQuery } from '@hearth/contracts';
import type { AuditLogReader } from '../ports.js';

/** The auditor's search: filters, paged by seq either way. */
export class SearchRecords {
  constructor(private readonly log: Pick<AuditLogReader, 'search'>) {}

  run(query: AuditRecordQuery): Promise<AuditRecordPage> {
    return this.log.search(query);
  }
}
