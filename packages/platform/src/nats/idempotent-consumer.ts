import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { HearthError } from '@hearth/contracts';
import type { DataSource } from 'typeorm';
import type { Transaction } from '../ports/unit-of-work.js';
import { ProcessedMessageEntity } from '../postgres/platform-entities.js';
import { transactionOf } from '../postgres/unit-of-work.js';
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
}

export type MessageHandler = (
  message: { id: string; subject: string; body: unknown },
  tx: Transaction,
) => Promise<void>;

/**
 * Consumes a durable JetStream consumer so that each message takes effect once: in one
 * transaction the message id is recorded in `processed_messages` and the handler runs; the ack is
 * sent only after that commit. A redelivery (or a re-publish outside JetStream's duplicate window)
 * finds the id and is acked without running the handler again.
 */
export class IdempotentConsumer {
  private running: RunningConsumer | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly spec: ConsumerSpec,
    private readonly handler: MessageHandler,
  ) {}

  async start(): Promise<void> {
    this.running = await consumeDurable(this.js, this.jsm, { ...this.spec, ackWaitMs: 30_000, batch: 64 }, (msg) =>
      this.process(msg),
    );
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  private async process(msg: JsMsg): Promise<void> {
    const id = msg.headers?.get('Nats-Msg-Id') || `${msg.info.stream}:${msg.seq}`;
    try {
      await inSpan(`consume ${msg.subject}`, extractTraceContext(msg.headers), SpanKind.CONSUMER, () =>
        this.dataSource.transaction(async (tx) => {
          const claimed = await tx
            .createQueryBuilder()
            .insert()
            .into(ProcessedMessageEntity)
            .values({ consumer: this.spec.durable, messageId: id })
            .orIgnore()
            .returning('message_id')
            .updateEntity(false)
            .execute();
          if ((claimed.raw as unknown[]).length === 0) return; // taken effect before: ack it again only
          await this.handler({ id, subject: msg.subject, body: msg.json() }, transactionOf(tx));
        }),
      );
      msg.ack();
    } catch (error) {
      if (
        (error instanceof HearthError && error.kind !== 'unavailable' && error.kind !== 'internal') ||
        error instanceof SyntaxError
      ) {
        this.logger.error({ err: error, message_id: id, subject: msg.subject }, 'message refused; terminated');
        msg.term(error instanceof Error ? error.message : 'refused');
        return;
      }
      this.logger.warn({ err: error, message_id: id, subject: msg.subject }, 'message failed; redelivering');
      msg.nak(Math.min(250 * msg.info.deliveryCount, 10_000));
    }
  }
}
