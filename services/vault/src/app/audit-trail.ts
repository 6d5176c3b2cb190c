import { managerOf } from '@hearth/platform/postgres';
import { auditSubject, type Envelope, type EventMetadata } from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import { enqueue, type OutboxMessage } from '@hearth/platform/outbox';
import { type EventStore } from '@hearth/platform/postgres';
import { currentTraceId } from '@hearth/platform/telemetry';
import { AUDIT_ACTIONS, type AuditedEventType } from '../domain/audit.js';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';

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

  /** The envelope of a fact recorded as a stream of its own (no version to contend for). */
  envelopeOf(event: AuditedEvent, actor: string, id = this.ids.next()): Envelope {
    return {
      id,
      type: event.type,
      stream: `${event.type}-${id}`,
      version: 1,
      data: event.data,
      metadata: this.metadata(actor),
    };
  }

  /** Queues already appended events for HATCH, in the caller's transaction. */
  async publish(tx: Transaction, events: readonly Envelope[]): Promise<void> {
    await enqueue(tx, events.map(hatchMessageOf));
  }

  /** Appends one fact as a stream of its own (no version to contend for) and queues it for HATCH. */
  async record(tx: Transaction, event: AuditedEvent, actor: string, id = this.ids.next()): Promise<string> {
    const envelope = this.envelopeOf(event, actor, id);
    const stored = await this.store.append(tx, envelope.stream, 0, [envelope]);
    await this.publish(tx, stored);
    return id;
  }

  /**
   * `record`, unless an event with this id exists: a refusal's id is derived from its request, so
   * one captured request replayed many times is recorded once. Replays at the same moment wait for
   * each other on a lock of the id, so the later sees the earlier's event rather than colliding with it.
   */
  async recordOnce(tx: Transaction, event: AuditedEvent, actor: string, id: string): Promise<void> {
    await managerOf(tx).query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [id]);
    const existing = await managerOf(tx).query<unknown[]>('SELECT 1 FROM events WHERE event_id = $1', [id]);
    if (existing.length === 0) await this.record(tx, event, actor, id);
  }
}

/** The HATCH message of a vault event: `hatch.vault.<action>`, the envelope as it was stored. */
export function hatchMessageOf(e: Envelope): OutboxMessage {
  return {
    id: e.id,
    subject: auditSubject('vault', AUDIT_ACTIONS[e.type as AuditedEventType]),
    payload: { id: e.id, type: e.type, stream: e.stream, version: e.version, data: e.data, metadata: e.metadata },
  };
}
