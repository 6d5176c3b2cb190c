import { DriverEvent, isSlug, parseRequest, Streams } from '@hearth/contracts';
import type { UnitOfWork } from '@hearth/platform/ports';
import type { RecordDriverEvent } from '../record-driver-event/record-driver-event.js';
import type { DurableInbox, InboundMessage, ProcessedMessages } from '../ports.js';

/**
 * The console's durable consumer of every driver's events. A driver emits a deployment's events in
 * order (started, then provisioned); were a transient failure of the first redelivered after the
 * second, the second would meet a deployment not yet provisioning and be refused for good. So the
 * order is kept per deployment (its slug): a failed event holds back its deployment's later ones,
 * while other deployments' events flow past it; what is refused or keeps failing is parked.
 */
export const DRIVER_EVENTS_CONSUMER = {
  stream: Streams.driverEvents.name,
  durable: 'console',
  maxAckPending: 64,
  orderKey: slugOf,
  from: 'driver-localdocker',
} as const;

/** The deployment a driver event is about, when it names one. */
function slugOf(body: unknown): string | null {
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  const slug = typeof data === 'object' && data !== null ? (data as { slug?: unknown }).slug : undefined;
  return isSlug(slug) ? slug : null;
}

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

  /** Validated before the database is touched: a bad field is refused (and parked), never tried in SQL. */
  private take(message: InboundMessage): Promise<void> {
    const event = parseRequest(DriverEvent, message.body);
    return this.unitOfWork.run(async (tx) => {
      if (!(await this.processed.claim(tx, DRIVER_EVENTS_CONSUMER.durable, message.id))) return;
      await this.recordDriverEvent.run(event, message.streamSeq, tx);
    });
  }
}
