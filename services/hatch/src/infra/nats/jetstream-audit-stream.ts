import { BusHeaders, HatchStream } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { pullOptions } from '@hearth/platform/nats';
import { extractTraceContext } from '@hearth/platform/telemetry';
import {
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgRequest,
  type NextMsgRequest,
} from '@nats-io/jetstream';
import type { AuditStream, HatchBatch, SourceNumber, StreamReading } from '../../app/ports.js';

/**
 * The HATCH stream through an ordered consumer: in stream order, gap-free, from a given position.
 * Not the platform's durable consumer: after a failure JetStream may redeliver a message behind
 * newer ones, and the chain must follow stream order.
 */
export class JetStreamAuditStream implements AuditStream {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
  ) {}

  async lastSeq(): Promise<number> {
    return (await this.jsm.streams.info(HatchStream.name)).state.last_seq;
  }

  async holdsAfter(position: number): Promise<boolean> {
    // The server's MSG.GET takes `next_by_subj` (the first message on or after `seq`); nats.js types
    // it only for direct gets, which the stream would have to allow.
    const next: NextMsgRequest = { seq: position + 1, next_by_subj: HatchStream.subjects[0] };
    return (await this.jsm.streams.getMessage(HatchStream.name, next as unknown as MsgRequest)) !== null;
  }

  async follow(position: number, batchSize: number): Promise<StreamReading> {
    const { state } = await this.jsm.streams.info(HatchStream.name);
    let start = position + 1;
    if (position > state.last_seq) {
      // The stream was recreated: its sequence started again. Re-reading it is safe (the ledger
      // and the event ids dedupe), skipping it is not.
      this.logger.error({ position, last_seq: state.last_seq }, 'HATCH is behind the log: reading it from its start');
      start = state.first_seq;
    } else if (state.first_seq > start && state.messages > 0) {
      this.logger.error(
        { position, first_seq: state.first_seq },
        'events left HATCH (max age) before hatch recorded them',
      );
    }
    const consumer = await this.js.consumers.get(HatchStream.name, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, start),
    });
    return new OrderedReading(await consumer.consume(pullOptions(batchSize)), batchSize);
  }
}

const NO_HEADERS = { get: () => '' };

class OrderedReading implements StreamReading {
  private readonly iterator: Lookahead;
  private stopped = false;

  constructor(
    private readonly messages: ConsumerMessages,
    private readonly batchSize: number,
  ) {
    this.iterator = new Lookahead(messages[Symbol.asyncIterator]());
  }

  /**
   * "Already arrived" is checked without blocking: a `next()` that does not settle within the
   * current turn is kept for the following batch, not waited on (`getPending()` alone can count the
   * iterator's control entries as messages).
   */
  async nextBatch(): Promise<HatchBatch | null> {
    const first = await this.iterator.next();
    if (first.done || this.stopped) return null;
    const batch: JsMsg[] = [first.value];
    while (batch.length < this.batchSize && this.messages.getPending() > 0) {
      const next = await this.iterator.nextIfReady();
      if (!next || next.done) break;
      batch.push(next.value);
    }
    return {
      messages: batch.map((msg) => ({
        id:
          msg.headers?.get('Nats-Msg-Id') || msg.headers?.get(BusHeaders.messageId) || `${HatchStream.name}:${msg.seq}`,
        subject: msg.subject,
        streamSeq: msg.seq,
        text: msg.string(),
        ...originOf(msg),
        headers: msg.headers ?? NO_HEADERS,
      })),
      // The batch continues the trace of its first event; each record keeps its own trace_id.
      trace: extractTraceContext(batch[0]!.headers),
    };
  }

  stop(): void {
    this.stopped = true;
    this.messages.stop();
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

/**
 * The emitter's number from the message's headers, when it carries a well-formed one: its origin and
 * sequence, both covered by its signature (which RecordAuditEvents checks before counting the number).
 */
function originOf(msg: JsMsg): { origin?: SourceNumber } {
  const source = msg.headers?.get(BusHeaders.origin) ?? '';
  const seq = Number(msg.headers?.get(BusHeaders.sourceSeq) || Number.NaN);
  return source && Number.isSafeInteger(seq) && seq > 0 ? { origin: { source, seq } } : {};
}
