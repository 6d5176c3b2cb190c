import type { AuditExportLine } from '@hearth/contracts';
import type { AuditLogTable } from '../../infra/postgres/audit-log.js';
import type { CheckpointSigner, Clock } from '../ports.js';

const PAGE = 1_000;

/**
 * The whole log as export lines: the header with hatch's public key, every record up to the head
 * at the start, then the checkpoints up to that head. Paged, so a large log streams.
 */
export class ExportLog {
  constructor(
    private readonly log: Pick<AuditLogTable, 'headSeq' | 'search' | 'checkpointsThrough'>,
    private readonly signer: Pick<CheckpointSigner, 'publicKeyPem'>,
    private readonly clock: Clock,
  ) {}

  async *run(signal: AbortSignal): AsyncGenerator<AuditExportLine> {
    const head = await this.log.headSeq();
    yield {
      kind: 'hatch-export',
      version: 1,
      algorithm: 'ed25519',
      public_key: this.signer.publicKeyPem,
      exported_at: this.clock.now().toISOString(),
      head_seq: head,
    };
    let after = 0;
    while (after < head && !signal.aborted) {
      const page = await this.log.search({ after_seq: after, throughSeq: head, order: 'asc', limit: PAGE });
      for (const record of page.items) yield { kind: 'record', record };
      after = page.next_cursor ?? head;
    }
    for (const checkpoint of await this.log.checkpointsThrough(head)) yield { kind: 'checkpoint', checkpoint };
  }
}
