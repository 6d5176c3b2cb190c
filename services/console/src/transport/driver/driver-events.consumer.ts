import { DriverEvent, parseRequest, Streams } from '@hearth/contracts';
import { IdempotentConsumer, type Logger } from '@hearth/platform';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import type { RecordDriverEvent } from '../../app/record-driver-event/record-driver-event.js';

/** The console's durable consumer of every driver's events. */
export function driverEventsConsumer(
  dataSource: DataSource,
  js: JetStreamClient,
  jsm: JetStreamManager,
  logger: Logger,
  recordDriverEvent: RecordDriverEvent,
): IdempotentConsumer {
  return new IdempotentConsumer(
    dataSource,
    js,
    jsm,
    logger,
    { stream: Streams.driverEvents.name, durable: 'console' },
    (message, tx) => recordDriverEvent.run(parseRequest(DriverEvent, message.body), tx),
  );
}
