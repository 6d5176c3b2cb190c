import { auditSubject, type EventMetadata } from '@hearth/contracts';
import { correlation, currentTraceId, enqueue, type EventStore, type StoredEvent } from '@hearth/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { AUDIT_ACTIONS, type AuditedEventType } from '../domain/audit.js';
import type { Clock, Ids } from './ports.js';

export interface AuditedEvent {
  type: AuditedEventType;
  data: unknown;
}

/**
 * Every vault event is also a HATCH event: it is queued in the outbox of the transaction that
 * appends it, and the relay publishes it to `hatch.vault.<action>` with Nats-Msg-Id = event id.
 */
export class AuditTrail {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
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

  /** Queues already appended events for HATCH, in the caller's transaction. */
  async publish(tx: EntityManager, events: readonly StoredEvent[]): Promise<void> {
    await enqueue(
      tx,
      events.map((e) => ({
        id: e.id,
        subject: auditSubject('vault', AUDIT_ACTIONS[e.type as AuditedEventType]),
        payload: { id: e.id, type: e.type, stream: e.stream, version: e.version, data: e.data, metadata: e.metadata },
      })),
    );
  }

  /** Appends one fact as a stream of its own (no version to contend for) and queues it for HATCH. */
  async record(tx: EntityManager, event: AuditedEvent, actor: string, id = this.ids.next()): Promise<string> {
    const stored = await this.store.append(tx, `${event.type}-${id}`, 0, [
      { id, type: event.type, data: event.data, metadata: this.metadata(actor) },
    ]);
    await this.publish(tx, stored);
    return id;
  }

  /** `record` in a transaction of its own, for refusals: the refusal is kept even though the request fails. */
  recordAlone(event: AuditedEvent, actor: string): Promise<string> {
    return this.dataSource.transaction((tx) => this.record(tx, event, actor));
  }
}
