import { continueChain, EMPTY_CHAIN, loadPublicKey, type ChainHead } from '@hearth/audit-chain';
import type { AuditVerification } from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { AuditLogReader, CheckpointSigner, CheckpointStore } from '../ports.js';

/** Records read per page while catching up. */
const PAGE = 1_000;

/**
 * hatch checking its own chain for the auditor's screen, carried on from where the last check stopped
 * (in this process) rather than re-read from the start: each new record must chain onto the one
 * before and each checkpoint over them be signed by hatch's key. Once a problem is found it stays the
 * answer: the log is append-only, so nothing later can mend it. Checks run one at a time.
 */
export class VerifyChain {
  private verified: ChainHead = EMPTY_CHAIN;
  private problem: string | null = null;
  private running: Promise<AuditVerification> | null = null;
  private readonly publicKey;

  constructor(
    private readonly log: Pick<AuditLogReader, 'headSeq' | 'search'>,
    private readonly checkpoints: Pick<CheckpointStore, 'between' | 'last'>,
    signer: Pick<CheckpointSigner, 'publicKeyPem'>,
    private readonly clock: Clock,
  ) {
    this.publicKey = loadPublicKey(signer.publicKeyPem);
  }

  run(): Promise<AuditVerification> {
    this.running ??= this.check().finally(() => (this.running = null));
    return this.running;
  }

  private async check(): Promise<AuditVerification> {
    const headSeq = await this.log.headSeq();
    while (this.problem === null && this.verified.seq < headSeq) {
      const page = await this.log.search({
        after_seq: this.verified.seq,
        order: 'asc',
        limit: PAGE,
        throughSeq: headSeq,
      });
      if (page.items.length === 0) break;
      const through = page.items.at(-1)!.seq;
      const signed = await this.checkpoints.between(this.verified.seq + 1, through);
      const carried = continueChain(this.verified, page.items, signed, this.publicKey);
      this.verified = carried.head;
      this.problem = carried.problem;
    }
    return {
      head_seq: headSeq,
      verified_through_seq: this.verified.seq,
      ok: this.problem === null,
      problem: this.problem,
      last_checkpoint: await this.checkpoints.last(),
      checked_at: this.clock.now().toISOString(),
    };
  }
}
