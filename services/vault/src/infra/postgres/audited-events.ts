import type { Envelope, VaultEvent } from '@hearth/contracts';
import { enqueue } from '@hearth/platform/outbox';
import type { Transaction } from '@hearth/platform/ports';
import { EventEntity, managerOf, type EventStore } from '@hearth/platform/postgres';
import type { AuditedEvents } from '../../app/ports.js';
import { hatchMessageOf } from './hatch-messages.js';

/** Vault events through the platform's event store and outbox, each queued for HATCH in its transaction. */
export class AuditedEventStore implements AuditedEvents {
  constructor(private readonly store: EventStore) {}

  async append(tx: Transaction, event: VaultEvent): Promise<void> {
    const stored = await this.store.append(tx, event.stream, event.version - 1, [event]);
    await this.queueForHatch(tx, stored);
  }

  /** Replays at the same moment wait for each other on a lock of the id, so the later sees the earlier's event. */
  async appendOnce(tx: Transaction, event: VaultEvent): Promise<void> {
    const manager = managerOf(tx);
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [event.id]);
    if (!(await manager.existsBy(EventEntity, { eventId: event.id }))) await this.append(tx, event);
  }

  async queueForHatch(tx: Transaction, events: readonly Envelope[]): Promise<void> {
    await enqueue(tx, events.map(hatchMessageOf));
  }
}
