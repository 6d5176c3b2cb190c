import { HatchStream } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import type { UnitOfWork } from '@hearth/platform/ports';
import { inSpan, SpanKind } from '@hearth/platform/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  StaleIngestError,
  type AuditMetrics,
  type AuditStream,
  type HatchBatch,
  type IngestLedger,
  type IngestTurn,
  type StreamReading,
} from '../ports.js';
import type { RecordAuditEvents } from '../record-events/record-events.js';

/**
 * Feeds the HATCH stream into the log. It reads from the position the log itself holds, so it sees
 * the stream in order, gap-free, from right after the last commit, whatever happened before (a
 * kill, a lost database, another hatch). Whatever has arrived is appended as one batch in one
 * transaction; on any failure the reading is dropped and, after a pause, started again from the
 * committed position. One transaction per event made about a fifth of the baseline's throughput
 * (bench hatch-ingest). Among replicas, only the hatch holding the turn reads; a standby takes over
 * once the turn is free (its holder stopped, or died).
 */
export class AuditIngest {
  private running = false;
  private stopping = new AbortController();
  private reading: StreamReading | null = null;
  private loop: Promise<void> | null = null;
  /** The turn was lost while reading: what is read is dropped, and the turn asked for again. */
  private turnLost = false;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly stream: AuditStream,
    private readonly ledger: Pick<IngestLedger, 'position'>,
    private readonly recordAuditEvents: Pick<RecordAuditEvents, 'run'>,
    private readonly metrics: AuditMetrics,
    private readonly logger: Logger,
    private readonly batchSize: number,
    private readonly turn: IngestTurn,
  ) {}

  start(): void {
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.reading?.stop();
    await this.loop;
    await this.turn.release();
  }

  /** Events in the stream after the last one the log took. */
  async lag(): Promise<number> {
    const [last, position] = await Promise.all([this.stream.lastSeq(), this.ledger.position(HatchStream.name)]);
    return Math.max(0, last - position);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.turnLost = false;
        await this.turn.acquire(this.stopping.signal, () => {
          this.turnLost = true;
          this.reading?.stop();
        });
        let position = await this.ledger.position(HatchStream.name);
        this.reading = await this.stream.follow(position, this.batchSize);
        // A stop() or a lost turn that came while the reading was being opened found nothing to stop.
        if (!this.running || this.turnLost) this.reading.stop();
        for (let batch = await this.reading.nextBatch(); batch; batch = await this.reading.nextBatch()) {
          await this.append(batch, position);
          position = batch.messages.at(-1)!.streamSeq;
          failures = 0;
        }
        if (this.turnLost) {
          this.logger.warn('audit ingest lost its turn (its database connection ended); asking for it again');
          continue;
        }
        if (this.running) throw new Error('the HATCH consumer stopped delivering');
      } catch (error) {
        this.reading?.stop();
        if (!this.running) break;
        if (error instanceof StaleIngestError) {
          // Another hatch recorded these first: that is progress, not a failure. Go on from where it
          // got to, after a short random pause so that two ingesters do not keep colliding.
          this.logger.debug('another hatch moved the ingest position; reading on from there');
          failures = 0;
          await this.pause(25 + Math.random() * 75);
          continue;
        }
        failures++;
        this.logger.warn({ err: error, failures }, 'audit ingest failed; reading again from the committed position');
        await this.pause(Math.min(250 * 2 ** failures, 5_000));
      }
    }
    this.reading?.stop();
  }

  /** One batch, one transaction: the records, the parked events and the position commit together. */
  private async append({ messages, trace }: HatchBatch, position: number): Promise<void> {
    const recorded = await inSpan(`record ${messages.length} audit events`, trace, SpanKind.CONSUMER, () =>
      this.unitOfWork.run((tx) => this.recordAuditEvents.run(messages, position, tx)),
    );
    this.metrics.recorded(recorded.records.length);
    this.metrics.gaps(recorded.gaps);
    for (const parked of recorded.parked) {
      this.metrics.parked();
      this.logger.warn(
        { subject: parked.subject, message_id: parked.messageId, reason: parked.reason },
        'event parked',
      );
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
