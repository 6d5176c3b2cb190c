import type { AuditEvent } from '@hearth/contracts';
import { randomUUID } from 'node:crypto';

export interface EventSpec {
  id?: string;
  actor?: string;
  path?: string;
  workspace?: string;
  outcome?: AuditEvent['data']['outcome'];
  data?: Record<string, unknown>;
  occurredAt?: Date;
}

/** A `SecretReadV1` as the vault emits it to `hatch.vault.secret.read`. */
export function secretRead(spec: EventSpec = {}): AuditEvent {
  const id = spec.id ?? randomUUID();
  const workspace = spec.workspace ?? 'acme';
  return {
    id,
    type: 'SecretReadV1',
    stream: `SecretReadV1-${id}`,
    version: 1,
    data: {
      path: spec.path ?? `hearth/${workspace}/postgres`,
      workspace_slug: workspace,
      outcome: spec.outcome ?? 'OK',
      version: 1,
      ...spec.data,
    },
    metadata: {
      actor: spec.actor ?? 'svc-billing',
      correlation_id: randomUUID(),
      causation_id: null,
      trace_id: null,
      occurred_at: (spec.occurredAt ?? new Date()).toISOString(),
    },
  };
}

export const SECRET_READ_SUBJECT = 'hatch.vault.secret.read';
