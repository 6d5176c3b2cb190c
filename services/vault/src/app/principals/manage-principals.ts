import type { UnitOfWork } from '@hearth/platform/ports';
import {
  Capability,
  ErrorCode,
  HearthError,
  parseRequest,
  PolicyGrantRequest,
  PolicyRevokeRequest,
  PrincipalCreateRequest,
  PrincipalRevokeRequest,
  type PolicyRule,
} from '@hearth/contracts';
import type { z } from 'zod';
import { principalPath } from '../../domain/access.js';
import { holds } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { Principal, PrincipalDirectory, PrincipalRegistry } from '../ports.js';

export const ROOT_PRINCIPAL = 'root';
export const ROOT_RULE: PolicyRule = { pattern: '*', capabilities: [...Capability.options], effect: 'allow' };
/**
 * The driver writes, lists and destroys what it provisions under hearth/, and reads no value back;
 * it dispatches workloads, so it resolves every workspace's credentials, its team's and its org's.
 */
export const DRIVER_RULES: readonly PolicyRule[] = [
  { pattern: 'hearth/*', capabilities: ['write', 'list', 'destroy', 'resolve'], effect: 'allow' },
  { pattern: 'team/*', capabilities: ['resolve'], effect: 'allow' },
  { pattern: 'org/*', capabilities: ['resolve'], effect: 'allow' },
];

/**
 * The web console's own principal (CONSOLE_PRINCIPAL): it carries operators' writes — a credential's
 * write, test and rotation in every scope, a lease's renewal and revocation — and holds no `read`
 * anywhere, so nothing it asks for answers a value. No `resolve`, `destroy`, or rule under `sys/`
 * or `credential-types/` either: it manages no principal and defines no type.
 */
export const CONSOLE_RULES: readonly PolicyRule[] = [
  ...['hearth/*', 'team/*', 'org/*'].map((pattern): PolicyRule => ({
    pattern,
    capabilities: ['write'],
    effect: 'allow',
  })),
  { pattern: 'db/creds/*', capabilities: ['write', 'delete'], effect: 'allow' },
];

/** A principal-management request, authorised as `write` on the principal's own path. */
function about<S extends z.ZodType>(schema: S, nameOf: (request: z.infer<S>) => string): AdmissionRule<z.infer<S>> {
  return {
    capability: 'write',
    parse: (payload) => parseRequest(schema, payload),
    path: (request) => principalPath(nameOf(request)),
  };
}
const create = about(PrincipalCreateRequest, (r) => r.name);
const grant = about(PolicyGrantRequest, (r) => r.principal);
const revoke = about(PolicyRevokeRequest, (r) => r.principal);
const remove = about(PrincipalRevokeRequest, (r) => r.name);

/**
 * A principal grants only what it holds: every capability of the rule on every path of its pattern
 * (an allow widens, a deny narrows, and neither is its to give otherwise). So write on its own
 * `sys/principals/<name>` lets a principal change nothing beyond its own reach.
 */
function assertHeld(granter: Principal, pattern: string, capabilities: readonly Capability[]): void {
  const missing = capabilities.filter((capability) => !holds(granter.rules, pattern, capability));
  if (missing.length > 0) {
    throw new HearthError(
      ErrorCode.GrantExceedsOwn,
      `${granter.name} does not hold ${missing.join(', ')} on ${pattern}, so cannot grant or revoke it`,
    );
  }
}

/** Principals and their policies; every change is an event in HATCH. */
export class ManagePrincipals {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly admission: Pick<Admission, 'run'>,
    private readonly registry: PrincipalRegistry,
    private readonly directory: PrincipalDirectory,
    private readonly audit: Pick<AuditTrail, 'record'>,
  ) {}

  create(signed: SignedRequest): Promise<{ name: string }> {
    return this.changed(
      this.admission.run(signed, create, async (tx, caller, { name, public_key: publicKey }) => {
        await this.registry.create(tx, name, publicKey);
        await this.audit.record(
          tx,
          { type: 'PrincipalCreatedV1', data: { name, public_key: publicKey } },
          caller.principal.name,
        );
        return { name };
      }),
    );
  }

  grant(signed: SignedRequest): Promise<{ name: string; rule: PolicyRule }> {
    return this.changed(
      this.admission.run(signed, grant, async (tx, caller, { principal: name, rule }) => {
        assertHeld(caller.principal, rule.pattern, rule.capabilities);
        await this.registry.grant(tx, name, rule);
        await this.audit.record(tx, { type: 'PolicyGrantedV1', data: { name, rule } }, caller.principal.name);
        return { name, rule };
      }),
    );
  }

  revoke(signed: SignedRequest): Promise<{ name: string; revoked: boolean }> {
    return this.changed(
      this.admission.run(signed, revoke, async (tx, caller, { principal: name, pattern }) => {
        const rule = (await this.directory.find(name))?.rules.find((r) => r.pattern === pattern);
        if (rule) assertHeld(caller.principal, pattern, rule.capabilities);
        const revoked = await this.registry.revoke(tx, name, pattern);
        if (revoked)
          await this.audit.record(tx, { type: 'PolicyRevokedV1', data: { name, pattern } }, caller.principal.name);
        return { name, revoked };
      }),
    );
  }

  /**
   * Ends a principal: its key, its rules and its sessions go in one transaction, so none of its
   * requests, signed or in a session, is admitted after the commit. Root is never removed: nobody
   * would be left to manage the vault.
   */
  revokePrincipal(signed: SignedRequest): Promise<{ name: string }> {
    return this.changed(
      this.admission.run(signed, remove, async (tx, caller, { name }) => {
        if (name === ROOT_PRINCIPAL) throw new HearthError(ErrorCode.PolicyDenied, 'root is never revoked');
        const held = (await this.directory.find(name))?.rules ?? [];
        for (const rule of held) assertHeld(caller.principal, rule.pattern, rule.capabilities);
        await this.registry.remove(tx, name);
        await this.audit.record(tx, { type: 'PrincipalRevokedV1', data: { name } }, caller.principal.name);
        return { name };
      }),
    );
  }

  /**
   * Principals pinned by configuration (`root`, allowed everything; the driver and the console, on their own paths): made,
   * or given the configured key, at start, and given each of `rules` they do not hold as it is (a
   * release that adds a capability, `resolve` say, reaches principals made by an earlier one).
   * Recorded when something changes.
   */
  async bootstrap(name: string, publicKey: string, rules: readonly PolicyRule[]): Promise<void> {
    const existing = await this.directory.find(name);
    const rekeyed = existing?.publicKey !== publicKey;
    const missing = rules.filter((rule) => !existing?.rules.some((held) => sameRule(held, rule)));
    if (!rekeyed && missing.length === 0) return;
    await this.changed(
      this.unitOfWork.run(async (tx) => {
        if (rekeyed) {
          await this.registry.upsert(tx, name, publicKey);
          await this.audit.record(tx, { type: 'PrincipalCreatedV1', data: { name, public_key: publicKey } }, 'vault');
        }
        for (const rule of missing) {
          await this.registry.grant(tx, name, rule);
          await this.audit.record(tx, { type: 'PolicyGrantedV1', data: { name, rule } }, 'vault');
        }
      }),
    );
  }

  /**
   * Once a change has committed, this process stops trusting its cached principals at once; other
   * vault processes hear of it through the `principals_changed` notification.
   */
  private async changed<T>(committed: Promise<T>): Promise<T> {
    const result = await committed;
    this.directory.forget();
    return result;
  }
}

/** The same rule: pattern, effect and capabilities, in any order. */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const capabilities = new Set(a.capabilities);
  return (
    a.pattern === b.pattern &&
    a.effect === b.effect &&
    a.capabilities.length === b.capabilities.length &&
    b.capabilities.every((c) => capabilities.has(c))
  );
}
