import { EngineDeleteRequest, enginePath, ErrorCode, HearthError } from '@hearth/contracts';
import type { Clock, Transaction } from '@hearth/platform/ports';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { EngineStore, LeaseStore, StoredEngine, TargetDatabases } from '../ports.js';
import { atEngine, engineRule } from './engine-info.js';

const remove = engineRule('delete', EngineDeleteRequest);

/**
 * Deletes an engine and its roles. While leases live on it that is refused: their users would be
 * stranded, revoked by no one. `force` (which needs `destroy` too) takes those leases off the books
 * first, each recorded; their users may still exist, which an operator must then check.
 */
export class DeleteEngine {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly engines: Pick<EngineStore, 'find' | 'delete'>,
    private readonly leases: Pick<LeaseStore, 'liveCount' | 'list' | 'update'>,
    private readonly target: Pick<TargetDatabases, 'forget'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  async run(signed: SignedRequest): Promise<{ name: string; leases_forced: number }> {
    const deleted = await this.admission.run(signed, remove, async (tx, caller, { name, force }) => {
      const actor = caller.principal.name;
      if (force && !mayAccess(caller.principal.rules, enginePath(name), 'destroy')) {
        throw new HearthError(ErrorCode.PolicyDenied, `${actor} may not destroy ${enginePath(name)}: force needs it`);
      }
      const engine = await this.engines.find(name, tx);
      if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${name}`);
      const live = await this.leases.liveCount({ engine: name }, tx);
      if (live > 0 && !force) {
        throw new HearthError(
          ErrorCode.EngineInUse,
          `engine ${name} has ${live} live lease(s): revoke them first, or delete with force`,
        );
      }
      const forced = live > 0 ? await this.forceLeases(tx, engine, actor) : 0;
      await this.engines.delete(tx, name);
      await this.audit.record(
        tx,
        { type: 'EngineDeletedV1', data: { ...atEngine(engine, actor), forced: live > 0, leases_forced: forced } },
        actor,
      );
      return { name, leases_forced: forced };
    });
    await this.target.forget(deleted.name);
    return deleted;
  }

  /** Every live lease of the engine, taken off the books and recorded as forced. */
  private async forceLeases(tx: Transaction, engine: StoredEngine, actor: string): Promise<number> {
    const now = this.clock.now();
    let forced = 0;
    for (const state of ['creating', 'active'] as const) {
      const live = await this.leases.list({ engine: engine.name, state, limit: Number.MAX_SAFE_INTEGER });
      for (const lease of live) {
        await this.leases.update(tx, lease.leaseId, { state: 'forced', revokedAt: now, nextAttemptAt: null });
        await this.audit.record(
          tx,
          {
            type: 'LeaseRevokedV1',
            data: {
              ...atEngine(engine, actor),
              role: lease.role,
              path: lease.leaseId,
              lease_id: lease.leaseId,
              username: lease.username,
              reason: 'forced',
            },
          },
          actor,
        );
        forced++;
      }
    }
    return forced;
  }
}
