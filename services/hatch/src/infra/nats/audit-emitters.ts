import {
  askSigned,
  auditJournalSubjects,
  AuditHead,
  AuditReplayed,
  ServiceName,
  type BusVerifier,
} from '@hearth/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditEmitters } from '../../app/ports.js';

/**
 * The emitters' audit journals over NATS request-reply (`<source>.audit.head|replay`), each answer
 * taken only if the emitter signed it for this request: nobody else can report a head or a loss.
 */
export class NatsAuditEmitters implements AuditEmitters {
  constructor(
    private readonly nc: NatsConnection,
    private readonly verifier: BusVerifier,
  ) {}

  async head(source: string): Promise<number> {
    return AuditHead.parse(await this.ask(source, auditJournalSubjects(source).head, {})).head;
  }

  async replay(source: string, from: number, to: number): Promise<Array<{ from: number; to: number }>> {
    return AuditReplayed.parse(await this.ask(source, auditJournalSubjects(source).replay, { from, to })).missing;
  }

  private ask(source: string, subject: string, body: unknown): Promise<unknown> {
    return askSigned(this.nc, this.verifier, ServiceName.parse(source), subject, body, {});
  }
}
