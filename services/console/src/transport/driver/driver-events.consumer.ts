import { DriverEvent, parseRequest, Streams } from '@hearth/contracts';
import { type Logger } from '@hearth/platform/logging';
import { IdempotentConsumer } from '@hearth/platform/nats';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import type { RecordDriverEvent } from '../../app/record-driver-event/record-driver-event.js';

/**
 * The console's durable consumer of every driver's events, one at a time in stream order. A driver
 * emits a deployment's events in order (started, then provisioned); were a transient failure of the
 * first redelivered after the second, the second would meet a deployment not yet provisioning, be
 * refused as an illegal transition for good, and leave the deployment stuck.
 */
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
    { stream: Streams.driverEvents.name, durable: 'console', maxAckPending: 1 },
    (message, tx) => recordDriverEvent.run(parseRequest(DriverEvent, message.body), tx),
  );
}
