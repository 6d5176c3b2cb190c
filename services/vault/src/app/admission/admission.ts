import type { Transaction, UnitOfWork } from '@hearth/platform/ports';
import { ErrorCode, HearthError, type Capability } from '@hearth/contracts';
import { claimedPath, type AccessDeniedV1 } from '../domain/access.js';
import { mayAccess } from '../domain/policy/policy.js';
import type { Nonces } from '../infra/postgres/nonces.js';
import type { Caller, CallerIdentity, SignedRequest } from './caller-identity.js';
import { isRefusal, type Refusals } from './refusals.js';

/** What a request asks for: a capability on the path of its validated body. */
export interface Admission<R> {
  capability: Capability;
  /** The body by its contract (and any limit the contract cannot say); throws a coded HearthError. */
  parse(payload: unknown): R;
  path(request: R): string;
}

/**
 * Admission for every vault request but the read (which records its own SecretReadV1): signature
 * first, on the bytes as signed; then freshness, the body's contract and policy; then the operation
 * runs in a transaction that also remembers the nonce. Once the signer is known every refusal —
 * malformed, stale, denied, or refused by the operation itself (a stale CAS, a provider conflict) —
 * is recorded as AccessDeniedV1 and reaches HATCH.
 */
export class Gatekeeper {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly identity: CallerIdentity,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly refusals: Pick<Refusals, 'refuse'>,
  ) {}

  async run<R, T>(
    signed: SignedRequest,
    admission: Admission<R>,
    operation: (tx: Transaction, caller: Caller, request: R) => Promise<T>,
  ): Promise<T> {
    const caller = await this.identity.identify(signed);
    const { capability } = admission;
    let path = claimedPath(signed.payload);
    const refuse = (error: HearthError): Promise<never> =>
      this.refusals.refuse(caller, error, (answer) => {
        const denied: AccessDeniedV1 = {
          type: 'AccessDeniedV1',
          data: { actor: caller.principal.name, capability, path, outcome: 'DENIED', reason: answer.code },
        };
        return denied;
      });

    let request: R;
    try {
      this.identity.assertFresh(caller);
      request = admission.parse(signed.payload);
      path = admission.path(request);
    } catch (error) {
      if (isRefusal(error)) return refuse(error);
      throw error;
    }
    if (!mayAccess(caller.principal.rules, path, capability)) {
      return refuse(new HearthError(ErrorCode.PolicyDenied, `${caller.principal.name} may not ${capability} ${path}`));
    }
    try {
      return await this.unitOfWork.run(async (tx) => {
        await this.nonces.remember(tx, caller.nonce);
        return operation(tx, caller, request);
      });
    } catch (error) {
      if (isRefusal(error)) return refuse(error);
      throw error;
    }
  }
}
