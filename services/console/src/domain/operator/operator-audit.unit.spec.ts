import { describe, expect, it } from '@jest/globals';
import { ConsoleAuditEvent, ErrorCode, type EventMetadata } from '@hearth/contracts';
import { vaultWriteAudit } from './operator-audit.js';

const metadata: EventMetadata = {
  actor: 'operator:alice',
  correlation_id: 'c-1',
  causation_id: null,
  trace_id: null,
  occurred_at: '2026-01-01T00:00:00.000Z',
};
const id = '0b9f6a1e-4a52-4c1a-9d63-5d0c6a6f1e11';

describe('an operator’s write to the vault, as HATCH records it for the console', () => {
  it('names the credential, its workspace and the vault’s answer, and is a console audit event hatch takes', () => {
    const event = vaultWriteAudit({ type: 'CredentialTestAuditedV1', path: 'hearth/acme/db' }, null, id, metadata);
    expect(ConsoleAuditEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      type: 'CredentialTestAuditedV1',
      data: { path: 'hearth/acme/db', workspace_slug: 'acme', outcome: 'OK' },
      metadata: { actor: 'operator:alice' },
    });
    expect(event.data).not.toHaveProperty('error_code');
    const teamWide = vaultWriteAudit({ type: 'CredentialWriteAuditedV1', path: 'team/core/db' }, null, id, metadata);
    expect(teamWide.data).toMatchObject({ workspace_slug: null });
  });

  it('reads the vault’s refusal as denied, not found or failed, with its code', () => {
    const outcome = (code: ErrorCode) =>
      vaultWriteAudit({ type: 'LeaseRenewAuditedV1', leaseId: 'db/creds/ro/abc' }, code, id, metadata).data;
    expect(outcome(ErrorCode.PolicyDenied)).toEqual({
      path: 'db/creds/ro/abc',
      lease_id: 'db/creds/ro/abc',
      outcome: 'DENIED',
      error_code: 'VAULT.POLICY_DENIED',
    });
    expect(outcome(ErrorCode.BadSignature)).toMatchObject({ outcome: 'DENIED' });
    expect(outcome(ErrorCode.LeaseNotFound)).toMatchObject({ outcome: 'NOT_FOUND' });
    expect(outcome(ErrorCode.LeaseMaxTtl)).toMatchObject({ outcome: 'FAILED' });
    expect(outcome(ErrorCode.Unavailable)).toMatchObject({ outcome: 'FAILED', error_code: 'HEARTH.UNAVAILABLE' });
  });
});
