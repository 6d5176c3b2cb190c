import type { AuditExportLine } from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { AuditLogReader, CheckpointSigner, CheckpointStore } from '../ports.js';
import type { SignCheckpoint } from '../sign-checkpoint/sign-checkpoint.js';

const PAGE = 1_000;

/**
 * The whole log as export lines: the header with hatch's public key, every record up to the head
 * at the start, then the checkpoints up to that head. Paged, so a large log streams.
 *
 * The head is signed (and stored, like any checkpoint) before the first line, so every export is
 * covered by a checkpoint at its last record: without that, records cut from an export after its
 * last checkpoint could not be told from records not signed yet.
 */
export class ExportLog {
  constructor(
    private readonly log: Pick<AuditLogReader, 'committedHead' | 'search'>,
    private readonly checkpoints: Pick<CheckpointStore, 'between'>,
    private readonly signing: Pick<SignCheckpoint, 'signHead'>,
    private readonly signer: Pick<CheckpointSigner, 'publicKeyPem'>,
    private readonly clock: Clock,
  ) {}

  async *run(signal: AbortSignal): AsyncGenerator<AuditExportLine> {
    const head = await this.log.committedHead();
    await this.signing.signHead(head);
    yield {
      kind: 'hatch-export',
      version: 1,
      algorithm: 'ed25519',
      public_key: this.signer.publicKeyPem,
      exported_at: this.clock.now().toISOString(),
      head_seq: head.seq,
    };
    let after = 0;
    while (after < head.seq && !signal.aborted) {
      const page = await this.log.search({ after_seq: after, throughSeq: head.seq, order: 'asc', limit: PAGE });
      for (const record of page.items) yield { kind: 'record', record };
      after = page.next_cursor ?? head.seq;
    }
    for (const checkpoint of await this.checkpoints.between(0, head.seq)) yield { kind: 'checkpoint', checkpoint };
  }
}
