import { chainRecord, type ChainHead } from '@hearth/audit-chain';
import { HatchStream, MAX_REPLAY_SPAN } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import type { Clock, Ids, Transaction, UnitOfWork } from '@hearth/platform/ports';
import type { AuditEntry } from '../../domain/audit-entry/audit-entry.js';
import { gapEntry } from '../../domain/sequence/gap-entry.js';
import { trailing, unrecoverable, type SourceSequence } from '../../domain/sequence/source-sequence.js';
import type {
  AuditEmitters,
  AuditLogAppender,
  AuditMetrics,
  AuditStream,
  IngestLedger,
  SourceSequenceStore,
} from '../ports.js';

/**
 * What the ingest alone cannot see: a trailing gap (the last numbers of a source never arrived, so
 * no later number skips them) and the refill of every open gap. For each source it asks the
 * emitter's head, and, once the log has taken everything the stream held when it asked, records
 * the numbers past hatch's head as a gap; then it asks the emitter to publish each open range again,
 * and records as unrecoverable what the emitter no longer holds. A refilled event arrives on the
 * stream like any other, and the ingest closes its gap.
 */
export class WatchSequences {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly emitters: AuditEmitters,
    private readonly stream: Pick<AuditStream, 'holdsAfter'>,
    private readonly ledger: Pick<IngestLedger, 'position' | 'lock'>,
    private readonly sequences: SourceSequenceStore,
    private readonly log: Pick<AuditLogAppender, 'head' | 'append'>,
    private readonly metrics: Pick<AuditMetrics, 'gaps'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly logger: Logger,
    private readonly sources: readonly string[],
  ) {}

  async run(): Promise<void> {
    for (const source of this.sources) {
      try {
        await this.watch(source);
      } catch (error) {
        this.logger.warn(
          { err: error, source },
          'could not check the audit numbering of a source; next interval retries',
        );
      }
    }
  }

  private async watch(source: string): Promise<void> {
    const emitterHead = await this.emitters.head(source);
    // Whatever the emitter numbered up to its head is in the stream by now: once the log has taken
    // all the stream holds, a number past hatch's head never arrived.
    if (!(await this.stream.holdsAfter(await this.ledger.position(HatchStream.name)))) {
      const detected = await this.change(
        source,
        (state) => trailing(state, emitterHead, () => this.ids.next()),
        'detected',
      );
      this.metrics.gaps(detected);
    }
    const open = await this.unitOfWork.run(async (tx) => (await this.sequences.load(tx, [source])).get(source)!.open);
    const missing: Array<{ from: number; to: number }> = [];
    for (const range of open.filter((r) => !r.unrecoverable))
      for (let from = range.from; from <= range.to; from += MAX_REPLAY_SPAN)
        missing.push(...(await this.emitters.replay(source, from, Math.min(range.to, from + MAX_REPLAY_SPAN - 1))));
    if (missing.length > 0) {
      await this.change(
        source,
        (state) => {
          const lost = unrecoverable(state, missing);
          return { sequence: lost.sequence, detected: lost.gaps };
        },
        'unrecoverable',
      );
    }
  }

  /**
   * Applies `decide` to the source's numbering and records an entry of `kind` for each gap it names,
   * in one transaction holding the ingest position's lock, as an ingest batch does.
   */
  private async change(
    source: string,
    decide: (state: SourceSequence) => {
      sequence: SourceSequence;
      detected: Array<{ gapId: string; from: number; to: number }>;
    },
    kind: 'detected' | 'unrecoverable',
  ): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      await this.ledger.lock(tx, HatchStream.name); // appenders take turns on the chain's head
      const { sequence, detected } = decide((await this.sequences.load(tx, [source])).get(source)!);
      if (detected.length === 0) return 0;
      await this.sequences.save(tx, source, sequence);
      const at = this.clock.now().toISOString();
      await this.append(
        tx,
        detected.map((gap) => gapEntry(kind, source, gap, this.ids.next(), at)),
        at,
      );
      return detected.length;
    });
  }

  private async append(tx: Transaction, entries: readonly AuditEntry[], recordedAt: string): Promise<void> {
    let head: ChainHead = await this.log.head(tx);
    const records = entries.map((entry) => (head = chainRecord(head, { ...entry, recorded_at: recordedAt })));
    await this.log.append(tx, records);
  }
}
