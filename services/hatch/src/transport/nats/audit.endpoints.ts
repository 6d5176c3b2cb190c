import { AuditRecordQuery, AuthorizationHeader, parseRequest, Subjects, type AuditRecordPage } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { AuditorAccess } from '../../app/auditor-access/auditor-access.js';
import { SearchRecords } from '../../app/search-records/search-records.js';

/**
 * `audit.records.query {filters…}` with `Authorization: Bearer <token>` → a page of records, for
 * auditors' tools on the bus. The bus is open to every service, so the same token as the HTTP API
 * is checked first, before the body is even looked at.
 */
@Controller()
export class AuditEndpoints {
  constructor(
    private readonly access: AuditorAccess,
    private readonly searchRecords: SearchRecords,
  ) {}

  @MessagePattern(Subjects.auditRecordsQuery)
  async query(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<AuditRecordPage> {
    await this.access.reader(ctx.message.headers?.get(AuthorizationHeader) || undefined);
    return this.searchRecords.run(parseRequest(AuditRecordQuery, body));
  }
}
