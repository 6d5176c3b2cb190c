import { auditSubject, VAULT_AUDIT_ACTIONS, type Envelope, type VaultEventType } from '@hearth/contracts';
import type { OutboxMessage } from '@hearth/platform/outbox';

/** The HATCH message of a vault event: `hatch.vault.<action>`, the envelope as it was stored. */
export function hatchMessageOf(e: Envelope): OutboxMessage {
  return {
    id: e.id,
    subject: auditSubject('vault', VAULT_AUDIT_ACTIONS[e.type as VaultEventType]),
    payload: { id: e.id, type: e.type, stream: e.stream, version: e.version, data: e.data, metadata: e.metadata },
  };
}
