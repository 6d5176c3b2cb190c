import type { Logger } from '@hearth/platform';
import type { AuditCheckpoint } from '@hearth/contracts';
import type { ChainHead } from '@hearth/audit-chain';
import type { DataSource } from 'typeorm';
import { headUnsigned } from '../../domain/checkpoint/checkpoint-policy.js';
import type { AuditLogTable } from '../../infra/postgres/audit-log.js';
import type { CheckpointSigner, Clock } from '../ports.js';

/**
 * Signs the log's committed head when records arrived since the last checkpoint; `start` does so
 * every `intervalMs`. Appends sign every N-th record themselves; this covers a quiet log, and an
 * export (`signHead` at the head it exports).
 */
export class SignCheckpoint {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Pick<AuditLogTable, 'committedHead' | 'lastCheckpoint' | 'addCheckpoint'>,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run(): Promise<AuditCheckpoint | null> {
    return this.signHead(await this.log.committedHead());
  }

  /**
   * Signs `head` (committed, read by the caller) unless a checkpoint at or after it exists. Null
   * when none was needed, or another writer (an append, the timer, another hatch) signed that
   * seq first: either way a stored checkpoint now covers `head`.
   */
  async signHead(head: ChainHead): Promise<AuditCheckpoint | null> {
    const last = await this.log.lastCheckpoint();
    if (!headUnsigned(head.seq, last?.seq ?? 0)) return null;
    const checkpoint = this.signer.sign(head, this.clock.now().toISOString());
    const added = await this.dataSource.transaction((tx) => this.log.addCheckpoint(tx, checkpoint));
    if (!added) return null;
    return checkpoint;
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
