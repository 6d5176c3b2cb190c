import type { Envelope, EventBody, EventMetadata, VaultEvent } from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';
import { currentTraceId } from '@hearth/platform/telemetry';
import type { AuditedEvents } from './ports.js';

/**
 * Every vault event is also a HATCH event: the transaction that appends it queues it for the relay,
 * which publishes it to `hatch.vault.<action>` with Nats-Msg-Id = event id. Here its metadata and
 * envelope are made, in one place.
 */
export class AuditTrail {
  constructor(
    private readonly events: AuditedEvents,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  metadata(actor: string): EventMetadata {
    return {
      actor,
      correlation_id: correlation.getStore() ?? this.ids.next(),
      causation_id: null,
      trace_id: currentTraceId(),
      occurred_at: this.clock.now().toISOString(),
    };
  }

  /** The envelope of a fact recorded as a stream of its own (no version to contend for). */
  envelopeOf<E extends EventBody<VaultEvent>>(
    event: E,
    actor: string,
    id = this.ids.next(),
  ): E & Omit<Envelope, 'type' | 'data'> {
    return { ...event, id, stream: `${event.type}-${id}`, version: 1, metadata: this.metadata(actor) };
  }

  /** Records one fact, in the caller's transaction. */
  async record(tx: Transaction, event: EventBody<VaultEvent>, actor: string): Promise<void> {
    await this.events.append(tx, this.envelopeOf(event, actor));
  }

  /** Records one fact under an id derived from what it is about, unless that id is recorded already. */
  async recordOnce(tx: Transaction, event: EventBody<VaultEvent>, actor: string, id: string): Promise<void> {
    await this.events.appendOnce(tx, this.envelopeOf(event, actor, id));
  }

  /** Events a command appended, queued for HATCH in its transaction. */
  queueForHatch(tx: Transaction, appended: readonly Envelope[]): Promise<void> {
    return this.events.queueForHatch(tx, appended);
  }
}
