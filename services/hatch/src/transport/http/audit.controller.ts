import {
  AuditRecordQuery,
  AuditTailQuery,
  ErrorCode,
  HearthError,
  parseRequest,
  type AuditExportLine,
  type AuditRecordPage,
  type AuditVerification,
} from '@hearth/contracts';
import { exportLine } from '@hearth/audit-chain';
import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ExportLog } from '../../app/export-log/export-log.js';
import { SearchRecords } from '../../app/search-records/search-records.js';
import { AuditorTail, type AuditorTailItem } from '../../app/tail-records/auditor-tail.js';
import { TailRecords } from '../../app/tail-records/tail-records.js';
import { VerifyChain } from '../../app/verify-chain/verify-chain.js';
import { AuditReaderGuard } from './audit-reader.guard.js';
import {
  closedSignal,
  openEventStream,
  sseEvent,
  sseRefusal,
  SSE_KEEP_ALIVE,
  writeChunks,
} from '@hearth/platform/nest';

/** The auditor's HTTP API. Read-only: no route changes or deletes a record. */
@Controller('v1/audit')
@UseGuards(AuditReaderGuard)
export class AuditController {
  constructor(
    private readonly searchRecords: SearchRecords,
    private readonly tailRecords: TailRecords,
    private readonly auditorTail: AuditorTail,
    private readonly exportLog: ExportLog,
    private readonly verifyChain: VerifyChain,
  ) {}

  @Get('records')
  records(@Query() query: unknown): Promise<AuditRecordPage> {
    return this.searchRecords.run(parseRequest(AuditRecordQuery, query));
  }

  /**
   * Server-Sent Events; a reconnecting EventSource resumes after its Last-Event-ID. A token that
   * stops passing while the tail is open ends it with an `error` event naming the code.
   */
  @Get('tail')
  async tail(
    @Query() query: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const { since_seq, ...filter } = parseRequest(AuditTailQuery, query);
    const after =
      resumeAfter(lastEventId) ?? (since_seq !== undefined ? since_seq - 1 : await this.tailRecords.headSeq());
    openEventStream(response, `tail after seq ${after}`);
    await writeChunks(response, sse(this.auditorTail.run(authorization, filter, after, closedSignal(response))));
  }

  /** hatch's own check of its chain, carried on from the last one: what the auditor's screen shows. */
  @Get('verification')
  verification(): Promise<AuditVerification> {
    return this.verifyChain.run();
  }

  @Get('export')
  async export(@Res() response: Response): Promise<void> {
    response.writeHead(200, {
      'content-type': 'application/jsonl; charset=utf-8',
      'content-disposition': 'attachment; filename="hatch-audit.jsonl"',
    });
    await writeChunks(response, jsonLines(this.exportLog.run(closedSignal(response))));
  }
}

function resumeAfter(lastEventId: string | undefined): number | null {
  if (lastEventId === undefined) return null;
  if (!/^\d{1,15}$/.test(lastEventId)) throw new HearthError(ErrorCode.InvalidRequest, 'Last-Event-ID: not a seq');
  return Number(lastEventId);
}

async function* sse(items: AsyncIterable<AuditorTailItem>): AsyncGenerator<string> {
  for await (const item of items) {
    switch (item.kind) {
      case 'record':
        yield sseEvent('record', item.record, item.record.seq);
        break;
      case 'idle':
        yield SSE_KEEP_ALIVE;
        break;
      case 'refused':
        yield sseRefusal(item.error);
        break;
      default: {
        const unknown: never = item;
        throw new Error(`unknown tail item ${JSON.stringify(unknown)}`);
      }
    }
  }
}

async function* jsonLines(lines: AsyncIterable<AuditExportLine>): AsyncGenerator<string> {
  for await (const line of lines) yield exportLine(line);
}
