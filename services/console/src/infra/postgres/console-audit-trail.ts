import {
  auditSubject,
  CONSOLE_AUDIT_ACTIONS,
  type ConsoleAuditEvent,
  type ErrorCode,
  type EventMetadata,
} from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import { enqueue } from '@hearth/platform/outbox';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';
import { currentTraceId } from '@hearth/platform/telemetry';
import type { OperatorAudit } from '../../app/ports.js';
import {
  signInRefusedAudit,
  tokenAudit,
  vaultWriteAudit,
  type VaultWrite,
} from '../../domain/operator/operator-audit.js';
import type { OperatorToken } from '../../domain/operator/operator.js';

/** The console's audit events, queued for HATCH (`hatch.console.<action>`) in the caller's transaction. */
export class ConsoleAuditTrail implements OperatorAudit {
  constructor(
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  tokenCreated(tx: Transaction, token: OperatorToken, caller: OperatorToken): Promise<void> {
    return this.queue(tx, [tokenAudit('OperatorTokenCreatedV1', token, this.ids.next(), this.metadataOf(caller))]);
  }

  tokenRevoked(tx: Transaction, token: OperatorToken, caller: OperatorToken): Promise<void> {
    return this.queue(tx, [tokenAudit('OperatorTokenRevokedV1', token, this.ids.next(), this.metadataOf(caller))]);
  }

  signedIn(tx: Transaction, caller: OperatorToken): Promise<void> {
    return this.queue(tx, [tokenAudit('OperatorSignedInV1', caller, this.ids.next(), this.metadataOf(caller))]);
  }

  signedOut(tx: Transaction, caller: OperatorToken): Promise<void> {
    return this.queue(tx, [tokenAudit('OperatorSignedOutV1', caller, this.ids.next(), this.metadataOf(caller))]);
  }

  signInRefused(tx: Transaction): Promise<void> {
    return this.queue(tx, [signInRefusedAudit(this.ids.next(), this.metadataOf(null))]);
  }

  vaultWritten(tx: Transaction, write: VaultWrite, refusal: ErrorCode | null, caller: OperatorToken): Promise<void> {
    return this.queue(tx, [vaultWriteAudit(write, refusal, this.ids.next(), this.metadataOf(caller))]);
  }

  async queue(tx: Transaction, events: readonly ConsoleAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await enqueue(
      tx,
      events.map((event) => ({
        id: event.id,
        subject: auditSubject('console', CONSOLE_AUDIT_ACTIONS[event.type]),
        payload: event,
      })),
    );
  }

  /** A null caller is someone the console could not name (a refused sign-in). */
  private metadataOf(caller: OperatorToken | null): EventMetadata {
    return {
      actor: caller ? `operator:${caller.name}` : 'anonymous',
      correlation_id: correlation.getStore() ?? this.ids.next(),
      causation_id: null,
      trace_id: currentTraceId(),
      occurred_at: this.clock.now().toISOString(),
    };
  }
}
