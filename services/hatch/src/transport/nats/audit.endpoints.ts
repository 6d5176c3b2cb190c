import { AuditRecordQuery, parseRequest, Subjects, type AuditRecordPage } from '@hearth/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SearchRecords } from '../../app/search-records/search-records.js';

/** `audit.records.query {filters…}` → a page of records, for auditors' tools on the bus. */
@Controller()
export class AuditEndpoints {
  constructor(private readonly searchRecords: SearchRecords) {}

  @MessagePattern(Subjects.auditRecordsQuery)
  query(@Payload() body: unknown): Promise<AuditRecordPage> {
    return this.searchRecords.run(parseRequest(AuditRecordQuery, body));
  }
}
