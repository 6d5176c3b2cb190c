import { ErrorCode, HearthError, LeaseRevokeRequest, parseRequest, type LeasesRevoked } from '@hearth/contracts';
import type { Clock, Transaction, UnitOfWork } from '@hearth/platform/ports';
import type { z } from 'zod';
import { isRevocable, lastErrorOf, REVOCABLE_STATES } from '../../domain/lease/lease.js';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { LeaseStore, StoredLease, TargetDatabases } from '../ports.js';
import { endLease } from './end-lease.js';

type RevokeRequest = z.output<typeof LeaseRevokeRequest>;
/** A prefix is authorised as the path it names, `db/creds/` as `db/creds` (as list-secrets does). */
const pathOf = ({ lease_id, prefix }: RevokeRequest) => lease_id ?? (prefix ?? '').replace(/\/$/, '');
const revoke: AdmissionRule<RevokeRequest> = {
  capability: 'delete',
  parse: (payload) => parseRequest(LeaseRevokeRequest, payload),
  path: pathOf,
};

/** How many leases one request revokes at most: a prefix of thousands is revoked over several requests. */
export const REVOKE_LIMIT = 1000;

/**
 * Revokes a lease, or the live leases under a prefix: each user dropped completely (sessions, objects,
 * grants, role) by its lease's own revocation, then the lease revoked with LeaseRevokedV1. A lease
 * whose database fails stays live for the sweeper and is answered under `failed`. `force` (which needs
 * `destroy` too) takes them off the books without reaching the database — even while it is down —
 * as `forced`, which list shows the operator, whose job it is to check the users are gone.
 */
export class RevokeLeases {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly leases: Pick<LeaseStore, 'find' | 'list' | 'update'>,
    private readonly target: Pick<TargetDatabases, 'dropUser'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  async run(signed: SignedRequest): Promise<LeasesRevoked> {
    const { by, toDrop, forced } = await this.admission.run(signed, revoke, async (tx, caller, request) => {
      const { name, rules } = caller.principal;
      const path = pathOf(request);
      if (request.force && !mayAccess(rules, path, 'destroy')) {
        throw new HearthError(ErrorCode.PolicyDenied, `${name} may not destroy ${path}, which force needs`);
      }
      // A deny below the prefix hides those leases from this revocation, as it would from one by id.
      const may = (lease: StoredLease) =>
        mayAccess(rules, lease.leaseId, 'delete') && (!request.force || mayAccess(rules, lease.leaseId, 'destroy'));
      // Read in the transaction: one pooled connection per request, however many wait for the pool.
      const chosen =
        request.lease_id === undefined
          ? (await this.live(tx, path)).filter(may)
          : [await this.one(tx, request.lease_id)];
      if (!request.force) return { by: name, toDrop: chosen, forced: [] };
      const forced: string[] = [];
      for (const lease of chosen) {
        const ending = { state: 'forced', reason: 'forced', by: name, at: this.clock.now() } as const;
        if (await endLease(tx, this.leases, this.audit, lease.leaseId, ending)) forced.push(lease.leaseId);
      }
      return { by: name, toDrop: [], forced };
    });
    const outcomes = await Promise.all(toDrop.map((lease) => this.drop(lease, by)));
    return {
      revoked: toDrop.filter((_, i) => outcomes[i]).map((lease) => lease.leaseId),
      forced,
      failed: toDrop.filter((_, i) => !outcomes[i]).map((lease) => lease.leaseId),
    };
  }

  private async one(tx: Transaction, leaseId: string): Promise<StoredLease> {
    const lease = await this.leases.find(leaseId, tx);
    if (!lease) throw new HearthError(ErrorCode.LeaseNotFound, `no lease ${leaseId}`);
    if (!isRevocable(lease.state)) throw new HearthError(ErrorCode.LeaseEnded, `${leaseId} has ended already`);
    return lease;
  }

  /** Up to REVOKE_LIMIT leases under `prefix` whose user may still exist. */
  private async live(tx: Transaction, prefix: string): Promise<StoredLease[]> {
    const found: StoredLease[] = [];
    for (const state of REVOCABLE_STATES) {
      if (found.length === REVOKE_LIMIT) break;
      found.push(...(await this.leases.list({ prefix, state, limit: REVOKE_LIMIT - found.length }, tx)));
    }
    return found;
  }

  /** True once the user is gone and the lease off the books (by this revocation or one it met). */
  private async drop(lease: StoredLease, by: string): Promise<boolean> {
    try {
      await this.target.dropUser(lease.engine, lease.username, lease.revocation);
    } catch (error) {
      // The adapter's messages name what failed and never a password; anything else is only named.
      await this.unitOfWork.run((tx) => this.leases.update(tx, lease.leaseId, { lastError: lastErrorOf(error) }));
      return false;
    }
    await this.unitOfWork.run((tx) =>
      endLease(tx, this.leases, this.audit, lease.leaseId, {
        state: 'revoked',
        reason: 'revoked',
        by,
        at: this.clock.now(),
      }),
    );
    return true;
  }
}
