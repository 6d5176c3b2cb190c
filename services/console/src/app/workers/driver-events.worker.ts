import { DriverEvent, parseRequest, Streams } from '@hearth/contracts';
import type { UnitOfWork } from '@hearth/platform/ports';
import type { RecordDriverEvent } from '../record-driver-event/record-driver-event.js';
import type { DurableInbox, InboundMessage, ProcessedMessages } from '../ports.js';

/**
 * The console's durable consumer of every driver's events, one at a time in stream order. A driver
 * emits a deployment's events in order (started, then provisioned); were a transient failure of the
 * first redelivered after the second, the second would meet a deployment not yet provisioning, be
 * refused as an illegal transition for good, and leave the deployment stuck.
 */
export const DRIVER_EVENTS_CONSUMER = {
  stream: Streams.driverEvents.name,
  durable: 'console',
  maxAckPending: 1,
  from: 'driver-localdocker',
} as const;

/** Records each driver event once: its message id is claimed in the transaction that records it. */
export class DriverEventsWorker {
  constructor(
    private readonly inbox: DurableInbox,
    private readonly unitOfWork: UnitOfWork,
    private readonly processed: ProcessedMessages,
    private readonly recordDriverEvent: Pick<RecordDriverEvent, 'run'>,
  ) {}

  start(): Promise<void> {
    return this.inbox.start((message) => this.take(message));
  }

  stop(): Promise<void> {
    return this.inbox.stop();
  }

  private take(message: InboundMessage): Promise<void> {
    return this.unitOfWork.run(async (tx) => {
      if (!(await this.processed.claim(tx, DRIVER_EVENTS_CONSUMER.durable, message.id))) return;
      await this.recordDriverEvent.run(parseRequest(DriverEvent, message.body), tx);
    });
  }
}
