import type { AuditRecordPage, AuditRecordQuery } from '@hearth/contracts';
import type { AuditLogTable } from '../../infra/postgres/audit-log.js';

/** The auditor's search: filters, paged by seq either way. */
export class SearchRecords {
  constructor(private readonly log: Pick<AuditLogTable, 'search'>) {}

  run(query: AuditRecordQuery): Promise<AuditRecordPage> {
    return this.log.search(query);
  }
}
