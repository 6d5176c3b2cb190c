import type { UnitOfWork } from '@hearth/platform/ports';
import { ErrorCode, HatchStream, HearthError } from '@hearth/contracts';
import { type Logger } from '@hearth/platform/logging';
import { extractTraceContext, inSpan, SpanKind } from '@hearth/platform/telemetry';
import {
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditMetrics } from '../../app/ports.js';
import type { HatchMessage, RecordAuditEvents } from '../../app/record-events/record-events.js';
import type { IngestLedger } from '../../infra/postgres/ingest-ledger.js';

export interface IngestOptions {
  /** Most messages appended in one transaction. */
  batchSize: number;
}

/**
 * Feeds the HATCH stream into the log. It reads with an ordered consumer from the position the log
 * itself holds (ingest_position), so it sees the stream in order, gap-free, from right after the
 * last commit, whatever happened before (a kill, a lost database, another hatch). Whatever has
 * arrived is appended as one batch in one transaction; on any failure the consumer is dropped and,
 * after a pause, read again from the committed position.
 *
 * Why not the platform's IdempotentConsumer (a durable consumer, one transaction per message, ack
 * after commit): the chain must follow stream order, and after a failure JetStream may redeliver
 * a message behind newer ones; and one transaction per event made about a fifth of the baseline's
 * throughput (bench hatch-ingest). The position commits with the records instead, and the ledger
 * is the same processed_messages table.
 */
export class AuditIngest {
  private running = false;
  private stopping = new AbortController();
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly ledger: Pick<IngestLedger, 'position'>,
    private readonly recordAuditEvents: RecordAuditEvents,
    private readonly metrics: AuditMetrics,
    private readonly logger: Logger,
    private readonly options: IngestOptions,
  ) {}

  start(): void {
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.messages?.stop();
    await this.loop;
  }

  /** Events in the stream after the last one the log took. */
  async lag(): Promise<number> {
    const [stream, position] = await Promise.all([
      this.jsm.streams.info(HatchStream.name),
      this.unitOfWork.run((tx) => this.ledger.position(tx, HatchStream.name)),
    ]);
    return Math.max(0, stream.state.last_seq - position);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        let position = await this.unitOfWork.run((tx) => this.ledger.position(tx, HatchStream.name));
        const messages = await this.follow(position);
        const iterator = new Lookahead(messages[Symbol.asyncIterator]());
        for (let batch = await this.nextBatch(messages, iterator); batch.length > 0;) {
          await this.append(batch, position);
          position = batch.at(-1)!.seq;
          failures = 0;
          batch = await this.nextBatch(messages, iterator);
        }
        if (this.running) throw new Error('the HATCH consumer stopped delivering');
      } catch (error) {
        this.messages?.stop();
        if (!this.running) break;
        if (error instanceof HearthError && error.code === ErrorCode.VersionConflict) {
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
    this.messages?.stop();
  }

  /** An ordered consumer from right after `position`. */
  private async follow(position: number): Promise<ConsumerMessages> {
    const stream = await this.jsm.streams.info(HatchStream.name);
    let start = position + 1;
    if (position > stream.state.last_seq) {
      // The stream was recreated: its sequence started again. Re-reading it is safe (the ledger
      // and the event ids dedupe), skipping it is not.
      this.logger.error(
        { position, last_seq: stream.state.last_seq },
        'HATCH is behind the log: reading it from its start',
      );
      start = stream.state.first_seq;
    } else if (stream.state.first_seq > start && stream.state.messages > 0) {
      this.logger.error(
        { position, first_seq: stream.state.first_seq },
        'events left HATCH (max age) before hatch recorded them',
      );
    }
    const consumer = await this.js.consumers.get(HatchStream.name, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, start),
    });
    this.messages = await consumer.consume({ max_messages: this.options.batchSize });
    // A stop() that came while this consumer was being made found nothing to stop.
    if (!this.running) this.messages.stop();
    return this.messages;
  }

  /**
   * The next message (waiting for it), and whatever else has already arrived behind it. "Already
   * arrived" is checked without blocking: a `next()` that does not settle within the current turn
   * is kept for the following batch, not waited on (`getPending()` alone can count the iterator's
   * control entries as messages).
   */
  private async nextBatch(messages: ConsumerMessages, iterator: Lookahead): Promise<JsMsg[]> {
    const first = await iterator.next();
    if (first.done || !this.running) return [];
    const batch: JsMsg[] = [first.value];
    while (batch.length < this.options.batchSize && messages.getPending() > 0) {
      const next = await iterator.nextIfReady();
      if (!next || next.done) break;
      batch.push(next.value);
    }
    return batch;
  }

  private async append(batch: JsMsg[], position: number): Promise<void> {
    const messages: HatchMessage[] = batch.map((msg) => ({
      id: msg.headers?.get('Nats-Msg-Id') || `${HatchStream.name}:${msg.seq}`,
      subject: msg.subject,
      streamSeq: msg.seq,
      text: msg.string(),
    }));
    // The batch's span continues the trace of its first event; each record keeps its own trace_id.
    const recorded = await inSpan(
      `record ${messages.length} audit events`,
      extractTraceContext(batch[0]!.headers),
      SpanKind.CONSUMER,
      () => this.unitOfWork.run((tx) => this.recordAuditEvents.run(messages, position, tx)),
    );
    this.metrics.recorded(recorded.records.length);
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

/** An async iterator whose next value can be asked for without waiting for it. */
class Lookahead {
  private pending: Promise<IteratorResult<JsMsg>> | null = null;

  constructor(private readonly iterator: AsyncIterator<JsMsg>) {}

  next(): Promise<IteratorResult<JsMsg>> {
    const next = this.pending ?? this.iterator.next();
    this.pending = null;
    return next;
  }

  /** The next value if it is there by the end of this turn of the event loop, else null (kept for `next`). */
  async nextIfReady(): Promise<IteratorResult<JsMsg> | null> {
    const next = (this.pending ??= this.iterator.next());
    const result = await Promise.race([next, new Promise<null>((resolve) => setImmediate(resolve, null))]);
    if (result !== null) this.pending = null;
    return result;
  }
}
