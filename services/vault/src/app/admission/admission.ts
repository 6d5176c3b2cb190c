import { ErrorCode, HearthError, type Capability, type PolicyRule } from '@hearth/contracts';
import type { Transaction, UnitOfWork } from '@hearth/platform/ports';
import { accessDenied, claimedPath } from '../../domain/access.js';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Nonces } from '../ports.js';
import type { Caller, CallerIdentity, SignedRequest } from './caller-identity.js';
import { isRefusal, type Refusal, type RefusalRecord, type Refusals } from './refusals.js';

/** What a request asks for: a capability on the path of its validated body, and how a refusal is recorded. */
export interface AdmissionRule<R> {
  capability: Capability;
  /**
   * Another capability that admits the request as well, for a request two kinds of principal make
   * (a lease's renewal: its holder's `read`, or an operator's `write`, which reads nothing). A refusal is
   * recorded against `capability`.
   */
  orCapability?: Capability;
  /** The body by its contract (and any limit the contract cannot say); throws a coded HearthError. */
  parse(payload: unknown): R;
  /**
   * The path the capability is asked on; null for a request about no one path (the driver's claim of
   * its work): any known signer is admitted, and the operation answers only with what is the caller's.
   */
  path(request: R): string | null;
  /** The event (or events) a refusal is recorded as; AccessDeniedV1 unless the rule says otherwise. */
  refusalEvent?: (refusal: Refusal) => RefusalRecord;
}

/** Thrown by an operation that keeps the nonce itself, when the nonce was kept before: the request is a replay. */
export class NonceSeen extends Error {
  override readonly name = 'NonceSeen';
}

const deniedAccess = ({ actor, capability, path, answer }: Refusal) =>
  accessDenied({ actor, capability, path }, answer.code);

/**
 * The one gate of every vault request, signed or in a session: the signature (or the session's MAC)
 * first, on the bytes as signed; then the session's standing, freshness, the body's contract and policy; then the operation, with the request's nonce kept in
 * its commit. Once the signer is known every refusal — malformed, stale, denied, replayed, or refused
 * by the operation itself (a stale CAS, a missing version) — is recorded, as the rule's refusal event.
 */
export class Admission {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly identity: CallerIdentity,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly refusals: Pick<Refusals, 'refuse'>,
  ) {}

  /** Admits `signed`, then runs `operation` in a transaction that also keeps the request's nonce. */
  run<R, T>(
    signed: SignedRequest,
    rule: AdmissionRule<R>,
    operation: (tx: Transaction, caller: Caller, request: R) => Promise<T>,
  ): Promise<T> {
    return this.admit(signed, rule, (caller, request) =>
      this.unitOfWork.run(async (tx) => {
        if (!(await this.nonces.remember(tx, caller.principal.name, caller.nonce))) throw new NonceSeen();
        return operation(tx, caller, request);
      }),
    );
  }

  /**
   * Admits `signed`, then runs `operation`, which keeps the nonce in the statement that commits its
   * own record (the audited read) and throws NonceSeen when it was kept before.
   */
  runKeepingNonce<R, T>(
    signed: SignedRequest,
    rule: AdmissionRule<R>,
    operation: (caller: Caller, request: R) => Promise<T>,
  ): Promise<T> {
    return this.admit(signed, rule, operation);
  }

  private async admit<R, T>(
    signed: SignedRequest,
    rule: AdmissionRule<R>,
    operation: (caller: Caller, request: R) => Promise<T>,
  ): Promise<T> {
    const caller = await this.identity.identify(signed);
    const { capability } = rule;
    let path = claimedPath(signed.payload);
    try {
      this.identity.assertAdmissible(caller);
      const request = rule.parse(signed.payload);
      const asked = rule.path(request);
      if (asked !== null) path = asked;
      const admits = (rules: PolicyRule[]) =>
        [capability, rule.orCapability].some((held) => held !== undefined && mayAccess(rules, path, held));
      // A refusal is checked once more against the table: a grant committed through another vault
      // may not have been heard here yet, and a refusal costs a recorded event anyway.
      if (asked !== null && !admits(caller.principal.rules) && !admits(await this.identity.currentRules(caller))) {
        throw new HearthError(ErrorCode.PolicyDenied, `${caller.principal.name} may not ${capability} ${path}`);
      }
      return await operation(caller, request);
    } catch (error) {
      const cause = error instanceof NonceSeen ? 'replay' : isRefusal(error) ? error : null;
      if (cause === null) throw error;
      return this.refusals.refuse({ caller, capability, path }, cause, rule.refusalEvent ?? deniedAccess);
    }
  }
}
