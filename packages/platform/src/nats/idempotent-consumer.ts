import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Transaction } from '../ports/unit-of-work.js';
import { processedMessages } from '../postgres/processed-messages.js';
import { transactionOf } from '../postgres/unit-of-work.js';
import { SettledConsumer, type ConsumerSpec, type InboundMessage } from './settled-consumer.js';

export type MessageHandler = (message: InboundMessage, tx: Transaction) => Promise<void>;

/**
 * Consumes a durable JetStream consumer so that each message takes effect once: in one
 * transaction the message id is recorded in `processed_messages` and the handler runs; the ack is
 * sent only after that commit. A redelivery (or a re-publish outside JetStream's duplicate window)
 * finds the id and is acked without running the handler again.
 */
export class IdempotentConsumer {
  private readonly consumer: SettledConsumer;

  constructor(
    private readonly dataSource: DataSource,
    js: JetStreamClient,
    jsm: JetStreamManager,
    logger: Logger,
    private readonly spec: ConsumerSpec,
    private readonly handler: MessageHandler,
  ) {
    this.consumer = new SettledConsumer(js, jsm, logger, spec);
  }

  start(): Promise<void> {
    return this.consumer.start((message) =>
      this.dataSource.transaction(async (manager) => {
        const tx = transactionOf(manager);
        if (await processedMessages.claim(tx, this.spec.durable, message.id)) await this.handler(message, tx);
      }),
    );
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
