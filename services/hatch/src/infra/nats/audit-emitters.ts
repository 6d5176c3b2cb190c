import { auditJournalSubjects, AuditHead, AuditReplayed, ServiceErrorHeaders } from '@hearth/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditEmitters } from '../../app/ports.js';

const TIMEOUT_MS = 5_000;

/** The emitters' audit journals over NATS request-reply (`<source>.audit.head|replay`). */
export class NatsAuditEmitters implements AuditEmitters {
  constructor(private readonly nc: NatsConnection) {}

  async head(source: string): Promise<number> {
    return AuditHead.parse(await this.ask(auditJournalSubjects(source).head, {})).head;
  }

  async replay(source: string, from: number, to: number): Promise<Array<{ from: number; to: number }>> {
    return AuditReplayed.parse(await this.ask(auditJournalSubjects(source).replay, { from, to })).missing;
  }

  private async ask(subject: string, body: unknown): Promise<unknown> {
    const reply = await this.nc.request(subject, JSON.stringify(body), { timeout: TIMEOUT_MS });
    const code = reply.headers?.get(ServiceErrorHeaders.code);
    if (code) throw new Error(`${subject} answered ${code}`);
    return reply.json();
  }
}
