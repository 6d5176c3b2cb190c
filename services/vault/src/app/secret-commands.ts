import type { CredentialHistoryEntry, SecretValues } from '@hearth/contracts';
import type { Ids, Transaction, UnitOfWork } from '@hearth/platform/ports';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import {
  secretDecider,
  secretStream,
  type SecretCommand,
  type SecretEvent,
  type SecretState,
} from '../domain/secret/secret.js';
import { historyEntryOf } from '../domain/secret/history.js';
import { upcastSecretEvent } from '../domain/secret/upcast.js';
import type { AuditTrail } from './audit-trail.js';
import type { Cipher, SecretRecords } from './ports.js';

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

  /** The path's stream as its history: every event, oldest first, as the transaction sees it. */
  async history(tx: Transaction, path: string): Promise<CredentialHistoryEntry[]> {
    const stored = await this.store.readStream(tx, secretStream(path));
    return stored.map((e) => historyEntryOf(upcastSecretEvent(e), e.metadata.occurred_at));
  }
}

/**
 * Seals `values` as each version a WriteSecret decided, under a fresh DEK bound to its path and
 * version, and keeps it beside the events in their transaction; the plaintext is zeroed whatever happens.
 */
export async function sealWrittenVersions(
  tx: Transaction,
  events: readonly SecretEvent[],
  values: SecretValues,
  cipher: Pick<Cipher, 'seal'>,
  records: Pick<SecretRecords, 'insertVersion'>,
): Promise<void> {
  for (const event of events) {
    if (event.type !== 'SecretVersionWrittenV1') continue;
    const { path, version } = event.data;
    const plaintext = Buffer.from(JSON.stringify(values), 'utf8');
    try {
      const sealed = cipher.seal(plaintext, { path, version });
      await records.insertVersion(tx, { path, version }, sealed, {
        at: event.data.created_at,
        by: event.data.created_by,
      });
    } finally {
      plaintext.fill(0);
    }
  }
}
