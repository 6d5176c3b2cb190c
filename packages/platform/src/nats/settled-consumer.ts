import { HearthError, type BusVerifier, type ServiceName } from '@hearth/contracts';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { extractTraceContext, inSpan, SpanKind } from '../telemetry/telemetry.js';
import { consumeDurable, type RunningConsumer } from './durable-consumer.js';

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects?: string[];
  /**
   * 1 where the order of messages matters to the handler: a failed message is then redelivered
   * before any later one is delivered, instead of being overtaken while it waits out its nak delay.
   */
  maxAckPending?: number;
  /** The one service whose signed messages this consumer takes; any other message is refused. */
  from: ServiceName;
}

/** A message as a consumer's handler sees it: `id` is its `Nats-Msg-Id` (the event's id). */
export interface InboundMessage {
  id: string;
  subject: string;
  body: unknown;
}

/**
 * A durable consumer whose every message is settled by how its handler ends: acked once it resolves;
 * terminated when the message is refused for good (not JSON, not signed by `spec.from`, or a HearthError
 * that is no outage);
 * delivered again after a backoff otherwise. Each runs in a CONSUMER span continuing the publisher's trace.
 */
export class SettledConsumer {
  private running: RunningConsumer | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly verifier: BusVerifier,
    private readonly spec: ConsumerSpec,
  ) {}

  async start(handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.running = await consumeDurable(this.js, this.jsm, { ...this.spec, ackWaitMs: 30_000, batch: 64 }, (msg) =>
      this.settle(msg, handle),
    );
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private async settle(msg: JsMsg, handle: (message: InboundMessage) => Promise<void>): Promise<void> {
    const id = msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}:${msg.seq}`;
    try {
      const body: unknown = msg.json();
      this.verifier.verifyMessage({ subject: msg.subject, messageId: id, body, headers: msg.headers }, this.spec.from);
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, () =>
        handle({ id, subject: msg.subject, body }),
      );
      msg.ack();
    } catch (error) {
      if (
        (error instanceof HearthError && error.kind !== 'unavailable' && error.kind !== 'internal') ||
        error instanceof SyntaxError
      ) {
        this.logger.error({ err: error, message_id: id, subject: msg.subject }, 'message refused; terminated');
        msg.term(); // no reason: nats-server 2.9 (Debian 12's) ignores a +TERM that carries one
        return;
      }
      this.logger.warn({ err: error, message_id: id, subject: msg.subject }, 'message failed; redelivering');
      msg.nak(Math.min(250 * msg.info.deliveryCount, 10_000));
    }
  }
}
