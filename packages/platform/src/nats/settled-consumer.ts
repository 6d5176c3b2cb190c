import {
  HearthError,
  isMessageId,
  parkedExcerpt,
  type BusVerifier,
  type ParkReason,
  type ServiceName,
} from '@hearth/contracts';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { ParkingLot } from '../ports/parking.js';
import { countParked, extractTraceContext, inSpan, SpanKind } from '../telemetry/telemetry.js';
import { consumeDurable, type RunningConsumer } from './durable-consumer.js';

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects?: string[];
  /** Messages delivered and not yet settled, at most. */
  maxAckPending?: number;
  /** Deliveries of one message before it is parked (MAX_DELIVER unless a test wants fewer). */
  maxDeliver?: number;
  /**
   * The key whose messages must take effect in stream order (a deployment's slug), or null. A failed
   * message holds back the later ones of its key, in this process, until it is acked or parked;
   * messages of other keys flow past it.
   */
  orderKey?: (body: unknown) => string | null;
  /** The one service whose signed messages this consumer takes; any other message is refused. */
  from: ServiceName;
}

/** A message as a consumer's handler sees it: `id` is its `Nats-Msg-Id` (the event's id), `streamSeq` its place in the stream. */
export interface InboundMessage {
  id: string;
  subject: string;
  streamSeq: number;
  body: unknown;
}

/**
 * How often a message is delivered before it is parked. With the backoff below, a message that keeps
 * failing is retried for about five minutes: an outage of that length parks nothing.
 */
export const MAX_DELIVER = 50;
const retryDelay = (deliveries: number) => Math.min(250 * deliveries, 10_000);
/** Twice the retry delay: a held-back message is delivered less often than the one it waits for, so never parked first. */
const holdDelay = (deliveries: number) => 2 * retryDelay(deliveries);

/**
 * A durable consumer whose every message is settled by how its handler ends: acked once it resolves;
 * terminated and PARKED (a row for operators, a metric) when it is refused for good (no id a ledger can
 * hold, not JSON, not signed by `spec.from`, a HearthError that is no outage) or fails on its last
 * delivery; delivered again after a backoff otherwise. So no message can stall it. Each runs in a
 * CONSUMER span continuing the publisher's trace.
 */
export class SettledConsumer {
  private running: RunningConsumer | null = null;
  /**
   * Order keys whose failed message waits for redelivery: that message's stream sequence, and when
   * the hold lapses should it not come back here (another replica took it, or it was parked there).
   */
  private readonly held = new Map<string, { seq: number; lapses: number }>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly parking: ParkingLot,
    private readonly verifier: BusVerifier,
    private readonly spec: ConsumerSpec,
  ) {}

  async start(handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    const { stream, durable, filterSubjects, maxAckPending, maxDeliver = MAX_DELIVER } = this.spec;
    this.running = await consumeDurable(
      this.js,
      this.jsm,
      { stream, durable, filterSubjects, maxAckPending, maxDeliver, ackWaitMs: 30_000, batch: 64 },
      (msg) => this.settle(msg, handle),
    );
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private async settle(msg: JsMsg, handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    const sent = msg.headers?.get('Nats-Msg-Id');
    const id = sent || `${msg.info.stream}:${msg.seq}`;
    if (!isMessageId(id))
      return this.park(msg, null, 'invalid', 'Nats-Msg-Id is no id (too long, or a control character)');
    let body: unknown;
    try {
      body = msg.json();
    } catch {
      return this.park(msg, null, 'invalid', 'not JSON');
    }
    try {
      this.verifier.verifyMessage({ subject: msg.subject, messageId: id, body, headers: msg.headers }, this.spec.from);
    } catch (error) {
      // Checked before its key is looked at: a forged message holds nothing back.
      return this.park(msg, body, 'refused', describe(error));
    }
    const key = this.spec.orderKey?.(body) ?? null;
    if (key !== null && this.holds(key, msg)) {
      msg.nak(holdDelay(msg.info.deliveryCount));
      return;
    }
    try {
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, () =>
        handle({ id, subject: msg.subject, streamSeq: msg.seq, body }),
      );
      msg.ack();
      if (key !== null) this.held.delete(key);
    } catch (error) {
      if (error instanceof HearthError && error.kind !== 'unavailable' && error.kind !== 'internal') {
        const reason = error.kind === 'invalid' ? 'invalid' : 'refused';
        return this.park(msg, body, reason, `${error.code}: ${error.message}`, key);
      }
      if (msg.info.deliveryCount >= (this.spec.maxDeliver ?? MAX_DELIVER)) {
        return this.park(msg, body, 'delivery_limit', describe(error), key);
      }
      this.logger.warn({ err: error, message_id: id, subject: msg.subject }, 'message failed; redelivering');
      const delay = retryDelay(msg.info.deliveryCount);
      if (key !== null) this.held.set(key, { seq: msg.seq, lapses: Date.now() + 4 * delay + 30_000 });
      msg.nak(delay);
    }
  }

  /**
   * Terminates `msg` once it is parked. Were the parking lot out of reach, the message is delivered
   * again rather than dropped unseen.
   */
  private async park(
    msg: JsMsg,
    body: unknown,
    reason: ParkReason,
    detail: string,
    key: string | null = null,
  ): Promise<void> {
    try {
      await this.parking.park({
        consumer: this.spec.durable,
        subject: msg.subject,
        message_id: msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}:${msg.seq}`,
        stream_seq: msg.seq,
        reason,
        detail,
        excerpt: body === null ? null : parkedExcerpt(body),
      });
    } catch (error) {
      this.logger.warn({ err: error, subject: msg.subject, seq: msg.seq }, 'could not park a message; redelivering');
      msg.nak(retryDelay(msg.info.deliveryCount));
      return;
    }
    countParked(this.spec.durable, reason);
    this.logger.error({ subject: msg.subject, seq: msg.seq, reason, detail }, 'message parked; terminated');
    msg.term(); // no reason: nats-server 2.9 (Debian 12's) ignores a +TERM that carries one
    if (key !== null && this.held.get(key)?.seq === msg.seq) this.held.delete(key);
  }

  /**
   * Whether `msg` waits behind a failed message of its key. Never on its own last delivery: a message
   * the server would deliver no more is tried (and settled) rather than left unsettled for good.
   */
  private holds(key: string, msg: JsMsg): boolean {
    const hold = this.held.get(key);
    if (!hold || hold.seq === msg.seq) return false;
    if (Date.now() > hold.lapses) {
      this.held.delete(key);
      return false;
    }
    return msg.info.deliveryCount < (this.spec.maxDeliver ?? MAX_DELIVER);
  }
}

function describe(error: unknown): string {
  return error instanceof HearthError ? `${error.code}: ${error.message}` : String(error);
}
