import { AuditRecordQuery, parseRequest, Subjects, TokenHashHeader, type AuditRecordPage } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { AuditorAccess } from '../../app/auditor-access/auditor-access.js';
import { SearchRecords } from '../../app/search-records/search-records.js';

/**
 * `audit.records.query {filters…}` with `Hearth-Token-Sha256: <hex>` → a page of records, for
 * auditors' tools on the bus. The bus is open to every service, so the holder of the token is
 * checked as the HTTP API checks it, before the body is even looked at; the token itself never
 * travels here, only its hash.
 */
@Controller()
export class AuditEndpoints {
  constructor(
    private readonly access: AuditorAccess,
    private readonly searchRecords: SearchRecords,
  ) {}

  @MessagePattern(Subjects.auditRecordsQuery)
  async query(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<AuditRecordPage> {
    await this.access.readerByTokenHash(ctx.message.headers?.get(TokenHashHeader) || undefined);
    return this.searchRecords.run(parseRequest(AuditRecordQuery, body));
  }
}
