import type { Ids, Transaction, UnitOfWork } from '@hearth/platform/ports';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import {
  secretDecider,
  secretStream,
  type SecretCommand,
  type SecretEvent,
  type SecretState,
} from '../domain/secret/secret.js';
import { upcastSecretEvent } from '../domain/secret/upcast.js';
import type { AuditTrail } from './audit-trail.js';
import type { SecretRecords } from './ports.js';

/**
 * The one command path of a secret, in the admitted request's transaction: decide on the path's
 * stream with its expected version, append, then (same transaction) whatever the use case keeps
 * beside the events, the projection, and the HATCH messages.
 */
export class SecretCommands {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly store: EventStore,
    private readonly records: Pick<SecretRecords, 'project'>,
    private readonly audit: Pick<AuditTrail, 'metadata' | 'queueForHatch'>,
    private readonly ids: Ids,
  ) {}

  async handle(
    tx: Transaction,
    command: SecretCommand,
    beside?: (tx: Transaction, events: readonly SecretEvent[]) => Promise<void>,
  ): Promise<{ state: SecretState; events: SecretEvent[] }> {
    const { state, events } = await handleCommand({
      unitOfWork: this.unitOfWork,
      tx,
      store: this.store,
      decider: secretDecider,
      upcast: upcastSecretEvent,
      stream: secretStream(command.path),
      command,
      metadata: () => this.audit.metadata(command.actor),
      newId: () => this.ids.next(),
      afterAppend: async ({ tx: inner, events: decided, appended }) => {
        await beside?.(inner, decided);
        await this.records.project(inner, decided);
        await this.audit.queueForHatch(inner, appended);
      },
    });
    return { state, events };
  }
}
