import type { Logger } from '@hearth/platform/logging';
import type { AuditCheckpoint } from '@hearth/contracts';
import type { ChainHead } from '@hearth/audit-chain';
import { checkpointOnExport, checkpointOnTimer } from '../../domain/checkpoint/checkpoint-policy.js';
import type { AuditLogTable } from '../../infra/postgres/audit-log.js';
import type { CheckpointSigner } from '../ports.js';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';

/**
 * Signs the log's committed head when records arrived since the last checkpoint; `start` does so
 * every `intervalMs`. Appends sign every N-th record themselves; this covers a quiet log, and an
 * export (`signHead` at the head it exports).
 */
export class SignCheckpoint {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly log: Pick<
      AuditLogTable,
      'committedHead' | 'lastCheckpoint' | 'checkpointsBetween' | 'addCheckpoint'
    >,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run(): Promise<AuditCheckpoint | null> {
    const [head, last] = await Promise.all([this.log.committedHead(), this.log.lastCheckpoint()]);
    return checkpointOnTimer(head.seq, last?.seq ?? 0) ? this.store(head) : null;
  }

  /**
   * Makes sure a checkpoint at exactly `head` (committed, read by the caller) is stored. Null when
   * one was there already, or another writer (an append, the timer, another hatch) stored one
   * first: either way the export finds it.
   */
  async signHead(head: ChainHead): Promise<AuditCheckpoint | null> {
    const [atHead] = await this.log.checkpointsBetween(head.seq, head.seq);
    return checkpointOnExport(head.seq, atHead !== undefined) ? this.store(head) : null;
  }

  private async store(head: ChainHead): Promise<AuditCheckpoint | null> {
    const checkpoint = this.signer.sign(head, this.clock.now().toISOString());
    const added = await this.unitOfWork.run((tx) => this.log.addCheckpoint(tx, checkpoint));
    return added ? checkpoint : null;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running = this.run().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'checkpoint failed; next interval retries'),
      );
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
