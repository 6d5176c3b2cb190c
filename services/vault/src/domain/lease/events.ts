import type { EventBody, LeaseIrrevocableV1, LeaseIssuedV1, LeaseRenewedV1, LeaseRevokedV1 } from '@hearth/contracts';

/** What every lease event names, so HATCH answers who had a database user, and when. */
export interface LeaseFacts {
  leaseId: string;
  role: string;
  engine: string;
  /** The engine's workspace. */
  workspace: string | null;
  username: string;
}

const at = (lease: LeaseFacts, by: string) => ({
  path: lease.leaseId,
  lease_id: lease.leaseId,
  role: lease.role,
  engine: lease.engine,
  workspace_slug: lease.workspace,
  username: lease.username,
  by,
});

export function leaseIssued(
  lease: LeaseFacts & { expiresAt: Date; maxExpiresAt: Date },
  by: string,
  requestId: string,
): EventBody<LeaseIssuedV1> {
  return {
    type: 'LeaseIssuedV1',
    data: {
      ...at(lease, by),
      expires_at: lease.expiresAt.toISOString(),
      max_expires_at: lease.maxExpiresAt.toISOString(),
      request_id: requestId,
    },
  };
}

export function leaseRenewed(lease: LeaseFacts, by: string, expiresAt: Date): EventBody<LeaseRenewedV1> {
  return { type: 'LeaseRenewedV1', data: { ...at(lease, by), expires_at: expiresAt.toISOString() } };
}

export function leaseRevoked(
  lease: LeaseFacts,
  by: string,
  reason: LeaseRevokedV1['data']['reason'],
): EventBody<LeaseRevokedV1> {
  return { type: 'LeaseRevokedV1', data: { ...at(lease, by), reason } };
}

export function leaseIrrevocable(
  lease: LeaseFacts,
  by: string,
  attempts: number,
  lastError: string,
): EventBody<LeaseIrrevocableV1> {
  return { type: 'LeaseIrrevocableV1', data: { ...at(lease, by), attempts, last_error: lastError } };
}
