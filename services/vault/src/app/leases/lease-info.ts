import type { LeaseInfo } from '@hearth/contracts';
import type { StoredLease } from '../ports.js';

/** A lease as list shows it, over NATS and to operators: never a password (the vault keeps none). */
export function leaseInfo(lease: StoredLease): LeaseInfo {
  return {
    lease_id: lease.leaseId,
    role: lease.role,
    engine: lease.engine,
    workspace: lease.workspace,
    username: lease.username,
    state: lease.state,
    issued_by: lease.issuedBy,
    issued_at: lease.issuedAt.toISOString(),
    expires_at: lease.expiresAt.toISOString(),
    max_expires_at: lease.maxExpiresAt.toISOString(),
    revoked_at: lease.revokedAt?.toISOString() ?? null,
    attempts: lease.attempts,
    last_error: lease.lastError,
  };
}
