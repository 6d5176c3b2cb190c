import { ErrorCode, type AuditOutcome, type EventBody, type SecretReadV1 } from '@hearth/contracts';
import { workspaceOf } from './secret/secret.js';

/** A read as far as it is known when it is recorded: who asked, for which path, under which signed nonce. */
export interface ReadAttempt {
  actor: string;
  path: string;
  nonce: string;
}

/** A read, as recorded before any value leaves: who, what, which version, and how it ended. */
export function secretReadEvent(
  read: ReadAttempt,
  version: number | null,
  outcome: AuditOutcome,
  reason?: string,
): EventBody<SecretReadV1> {
  return {
    type: 'SecretReadV1',
    data: {
      actor: read.actor,
      path: read.path,
      version,
      workspace_slug: workspaceOf(read.path),
      request_id: read.nonce,
      outcome,
      ...(reason ? { reason } : {}),
    },
  };
}

const OUTCOME_OF_CODE: Readonly<Record<string, AuditOutcome>> = {
  [ErrorCode.SecretNotFound]: 'NOT_FOUND',
  [ErrorCode.SecretExpired]: 'EXPIRED',
  [ErrorCode.CredentialInactive]: 'INACTIVE',
};

/**
 * A refused read: a missing, expired or deactivated version keeps its own outcome; any other
 * refusal, a replay too, is DENIED.
 */
export function refusedReadEvent(read: ReadAttempt, version: number | null, code: string): EventBody<SecretReadV1> {
  return secretReadEvent(read, version, refusalOutcome(code), code);
}

/** The outcome a refusal coded `code` is recorded with. */
export function refusalOutcome(code: string): AuditOutcome {
  return OUTCOME_OF_CODE[code] ?? 'DENIED';
}
