import type { LeaseRevokedV1 } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import { leaseRevoked } from '../../domain/lease/events.js';
import { isRevocable } from '../../domain/lease/lease.js';
import type { AuditTrail } from '../audit-trail.js';
import type { LeaseStore } from '../ports.js';

export interface LeaseEnding {
  state: 'revoked' | 'forced';
  reason: LeaseRevokedV1['data']['reason'];
  by: string;
  at: Date;
}

/**
 * Takes a lease off the books in `tx`: its row locked, and only while its user may still exist, so two
 * revocations that meet record one LeaseRevokedV1, in the transaction that changes its state. False
 * when it had ended meanwhile.
 */
export async function endLease(
  tx: Transaction,
  leases: Pick<LeaseStore, 'find' | 'update'>,
  audit: Pick<AuditTrail, 'record'>,
  leaseId: string,
  { state, reason, by, at }: LeaseEnding,
): Promise<boolean> {
  const lease = await leases.find(leaseId, tx);
  if (!lease || !isRevocable(lease.state)) return false;
  await leases.update(tx, leaseId, { state, revokedAt: at, nextAttemptAt: null });
  await audit.record(tx, leaseRevoked(lease, by, reason), by);
  return true;
}
