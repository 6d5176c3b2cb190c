import type { AuditOutcome } from '@hearth/contracts';
import { workspaceOf } from './secret/secret.js';

/** A read, as recorded before any value leaves: who, what, which version, and how it ended. */
export interface SecretReadV1 {
  type: 'SecretReadV1';
  data: {
    actor: string;
    path: string;
    version: number | null;
    workspace_slug: string | null;
    request_id: string;
    trace_id: string | null;
    outcome: AuditOutcome;
    reason?: string;
  };
}

export function secretRead(
  read: { actor: string; path: string; requestId: string; traceId: string | null },
  version: number | null,
  outcome: AuditOutcome,
  reason?: string,
): SecretReadV1 {
  return {
    type: 'SecretReadV1',
    data: {
      actor: read.actor,
      path: read.path,
      version,
      workspace_slug: workspaceOf(read.path),
      request_id: read.requestId,
      trace_id: read.traceId,
      outcome,
      ...(reason ? { reason } : {}),
    },
  };
}
