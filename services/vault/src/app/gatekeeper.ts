import { ErrorCode, HearthError, type Capability } from '@hearth/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccessDeniedV1 } from '../domain/access.js';
import { mayAccess } from '../domain/policy/policy.js';
import type { Nonces } from '../infra/postgres/nonces.js';
import type { AuditTrail } from './audit-trail.js';
import type { Caller, CallerIdentity, SignedRequest } from './caller-identity.js';

/**
 * Admission for every vault request but the read (which records its own SecretReadV1): signature,
 * freshness, policy; then the operation runs in a transaction that also remembers the nonce. A
 * refusal of an identified caller is recorded as AccessDeniedV1 and reaches HATCH.
 */
export class Gatekeeper {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: CallerIdentity,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly audit: Pick<AuditTrail, 'recordAlone'>,
  ) {}

  async run<T>(
    signed: SignedRequest,
    path: string,
    capability: Capability,
    operation: (tx: EntityManager, caller: Caller) => Promise<T>,
  ): Promise<T> {
    const caller = await this.identity.identify(signed);
    const refuse = async (error: HearthError): Promise<never> => {
      const denied: AccessDeniedV1 = {
        type: 'AccessDeniedV1',
        data: { actor: caller.principal.name, capability, path, outcome: 'DENIED', reason: error.code },
      };
      await this.audit.recordAlone(denied, caller.principal.name);
      throw error;
    };
    try {
      this.identity.assertFresh(caller);
    } catch (error) {
      return refuse(error as HearthError);
    }
    if (!mayAccess(caller.principal.rules, path, capability)) {
      return refuse(new HearthError(ErrorCode.PolicyDenied, `${caller.principal.name} may not ${capability} ${path}`));
    }
    try {
      return await this.dataSource.transaction(async (tx) => {
        await this.nonces.remember(tx, caller.nonce);
        return operation(tx, caller);
      });
    } catch (error) {
      if (error instanceof HearthError && error.code === ErrorCode.ReplayedNonce) return refuse(error);
      throw error;
    }
  }
}
