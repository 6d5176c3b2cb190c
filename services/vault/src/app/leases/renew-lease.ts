import { ErrorCode, HearthError, LeaseRenewRequest, parseRequest, type LeaseRenewed } from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import type { z } from 'zod';
import { leaseRenewed } from '../../domain/lease/events.js';
import { renewTimes } from '../../domain/lease/lease.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { LeaseStatements, LeaseStore, RoleStore, TargetDatabases } from '../ports.js';

type RenewRequest = z.output<typeof LeaseRenewRequest>;
/** Its holder renews it (`read`, as it was issued); so does an operator's console (`write`), which reads nothing. */
const renew: AdmissionRule<RenewRequest> = {
  capability: 'read',
  orCapability: 'write',
  parse: (payload) => parseRequest(LeaseRenewRequest, payload),
  path: ({ lease_id }) => lease_id,
};

/** A role's default TTL when none is set (the contract's), for a lease whose role was deleted since. */
const DEFAULT_TTL = 3600;

/** The built-in statements, for a lease whose role is gone. */
const BUILT_IN: LeaseStatements = { creation: [], renew: [], revocation: [], rollback: [] };

/**
 * Renews a lease: admitted and checked (active, not at its max), its user's `VALID UNTIL` moved by the
 * role's renew statements, then the new expiry committed with LeaseRenewedV1. No transaction of the
 * vault stays open while the engine's database is asked.
 */
export class RenewLease {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly roles: Pick<RoleStore, 'find'>,
    private readonly leases: Pick<LeaseStore, 'find' | 'update'>,
    private readonly target: Pick<TargetDatabases, 'renewUser'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  async run(signed: SignedRequest): Promise<LeaseRenewed> {
    const { lease, statements, by, ttl, expiresAt } = await this.admission.run(
      signed,
      renew,
      async (tx, caller, { lease_id: leaseId, ttl: asked }) => {
        // Read in the transaction: one pooled connection per request, however many wait for the pool.
        const lease = await this.leases.find(leaseId, tx);
        if (!lease) throw new HearthError(ErrorCode.LeaseNotFound, `no lease ${leaseId}`);
        const found = await this.roles.find(lease.role, tx, 'share');
        const role = found?.engine === lease.engine ? found : null;
        const times = renewTimes(lease, this.clock.now(), role?.defaultTtl ?? DEFAULT_TTL, asked);
        return { lease, statements: role?.statements ?? BUILT_IN, by: caller.principal.name, ...times };
      },
    );
    await this.target.renewUser(lease.engine, { username: lease.username, expiresAt }, statements);
    await this.unitOfWork.run(async (tx) => {
      const current = await this.leases.find(lease.leaseId, tx);
      // Revoked while its user was being renewed: the user is gone, and no renewal goes on the books.
      if (current?.state !== 'active') {
        throw new HearthError(ErrorCode.LeaseEnded, `${lease.leaseId} has ended: issue a new lease`);
      }
      await this.leases.update(tx, lease.leaseId, { expiresAt });
      await this.audit.record(tx, leaseRenewed(lease, by, expiresAt), by);
    });
    return {
      lease_id: lease.leaseId,
      ttl,
      expires_at: expiresAt.toISOString(),
      max_expires_at: lease.maxExpiresAt.toISOString(),
    };
  }
}
