import { auditSubject, SecretReadV1, VAULT_AUDIT_ACTIONS, type AuditOutcome } from '@hearth/contracts';
import { randomUUID } from 'node:crypto';

export interface SecretReadSpec {
  id?: string;
  actor?: string;
  path?: string;
  workspace?: string;
  outcome?: AuditOutcome;
  version?: number;
  occurredAt?: Date;
  /** Added to the data as it is, unchecked: how a test makes an event its contract refuses. */
  data?: Record<string, unknown>;
}

/** A `SecretReadV1` as the vault sends it to `hatch.vault.secret.read`, by its contract. */
export function secretReadFixture(spec: SecretReadSpec = {}): SecretReadV1 {
  const id = spec.id ?? randomUUID();
  const workspace = spec.workspace ?? 'acme';
  const actor = spec.actor ?? 'svc-billing';
  const event = SecretReadV1.parse({
    id,
    type: 'SecretReadV1',
    stream: `SecretReadV1-${id}`,
    version: 1,
    data: {
      actor,
      path: spec.path ?? `hearth/${workspace}/postgres`,
      version: spec.version ?? 1,
      workspace_slug: workspace,
      request_id: randomUUID(),
      outcome: spec.outcome ?? 'OK',
    },
    metadata: {
      actor,
      correlation_id: randomUUID(),
      causation_id: null,
      trace_id: null,
      occurred_at: (spec.occurredAt ?? new Date()).toISOString(),
    },
  });
  return spec.data ? { ...event, data: { ...event.data, ...spec.data } } : event;
}

export const SECRET_READ_SUBJECT = auditSubject('vault', VAULT_AUDIT_ACTIONS.SecretReadV1);

/** Reads of twelve workspaces' secrets, as the vault would report them: what the auditor's search specs search. */
export const SAMPLE_READS: ReadonlyArray<readonly [actor: string, workspace: string, outcome: 'OK' | 'DENIED']> = [
  ['svc-billing', 'acme', 'OK'],
  ['svc-search', 'acme', 'OK'],
  ['svc-billing', 'globex', 'DENIED'],
  ['svc-billing', 'acme', 'OK'],
  ['svc-search', 'globex', 'OK'],
  ['svc-billing', 'acme', 'DENIED'],
  ['svc-billing', 'initech', 'OK'],
  ['svc-search', 'acme', 'OK'],
  ['svc-billing', 'acme', 'OK'],
  ['svc-billing', 'globex', 'OK'],
  ['svc-search', 'initech', 'OK'],
  ['svc-billing', 'acme', 'OK'],
];
