import type { ChainHead } from '@hearth/audit-chain';
import type { AuditCheckpoint } from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import { checkpointOnExport, checkpointOnTimer } from '../../domain/checkpoint/checkpoint-policy.js';
import type { AuditLogReader, CheckpointSigner, CheckpointStore } from '../ports.js';

/**
 * Signs the log's committed head when records arrived since the last checkpoint (the timer's
 * checkpoint of a quiet log), or at exactly the head an export pins. Appends sign every N-th record
 * themselves.
 */
export class SignCheckpoint {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly log: Pick<AuditLogReader, 'committedHead'>,
    private readonly checkpoints: CheckpointStore,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
  ) {}

  async run(): Promise<AuditCheckpoint | null> {
    const [head, last] = await Promise.all([this.log.committedHead(), this.checkpoints.last()]);
    return checkpointOnTimer(head.seq, last?.seq ?? 0) ? this.store(head) : null;
  }

  /**
   * Makes sure a checkpoint at exactly `head` (committed, read by the caller) is stored. Null when
   * one was there already, or another writer (an append, the timer, another hatch) stored one
   * first: either way the export finds it.
   */
  async signHead(head: ChainHead): Promise<AuditCheckpoint | null> {
    const [atHead] = await this.checkpoints.between(head.seq, head.seq);
    return checkpointOnExport(head.seq, atHead !== undefined) ? this.store(head) : null;
  }

  private async store(head: ChainHead): Promise<AuditCheckpoint | null> {
    const checkpoint = this.signer.sign(head, this.clock.now().toISOString());
    const added = await this.unitOfWork.run((tx) => this.checkpoints.add(tx, checkpoint));
    return added ? checkpoint : null;
  }
}
