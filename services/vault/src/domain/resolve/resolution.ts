import {
  ErrorCode,
  offeredNames,
  SCOPE_ORDER,
  type PolicyRule,
  type Provider,
  type ScopeKind,
} from '@hearth/contracts';
import { mayAccess, mayReadAutoManaged } from '../policy/policy.js';

/** A credential found at one of the workspace's scopes: its current version, as the store has it. */
export interface Candidate {
  path: string;
  scope: ScopeKind;
  type: string;
  /** Its value names (a typed credential's fields). */
  valueNames: readonly string[];
  tags: Readonly<Record<string, string>>;
  provider: Provider;
  version: number;
  active: boolean;
  expiresAt: Date | null;
  /** Who wrote the current version: the driver that generated an AUTO_MANAGED value may hand it to its workloads. */
  writtenBy: string;
}

/** A name resolved: the credential that won it and the name of its value there. */
export interface Resolved {
  name: string;
  outcome: 'resolved';
  candidate: Candidate;
  valueName: string;
}

/** A name that resolves to nothing usable: no credential offers it, or the narrowest one that does is refused. */
export interface Refused {
  name: string;
  outcome: 'refused';
  candidate: Candidate | null;
  code: ErrorCode;
  reason: string;
}

export type NameDecision = Resolved | Refused;

export interface ResolutionInput {
  /** Every credential at the workspace's scopes (deleted and destroyed ones left out by the store). */
  candidates: readonly Candidate[];
  /** The names asked for; absent: every name some credential offers. */
  refs?: readonly string[];
  caller: { name: string; rules: readonly PolicyRule[] };
  now: Date;
  /**
   * A preview hands nothing out: each winning path needs only `list` (what the caller could see of it
   * anyway), and who may receive an AUTO_MANAGED value does not arise. Absent: a dispatch.
   */
  preview?: boolean;
}

/**
 * Decides each name: the narrowest scope offering it (workspace, then team, then org) wins, and
 * only that credential is considered. If it cannot be handed out — the caller is denied `resolve`
 * on its path, it is deactivated or expired, it is generated and the caller may not receive it, or
 * two credentials of that scope offer the name — the name is refused, never filled from a wider
 * scope: a narrower credential is an operator's decision that the wider one is not for this
 * workspace, and quietly handing out the wider one would undo it.
 */
export function resolveNames(input: ResolutionInput): NameDecision[] {
  const offers = offersByName(input.candidates);
  const names = input.refs ?? [...offers.keys()].sort();
  return names.map((name) => decide(name, offers.get(name) ?? [], input));
}

interface Offer {
  candidate: Candidate;
  valueName: string;
}

function offersByName(candidates: readonly Candidate[]): Map<string, Offer[]> {
  const offers = new Map<string, Offer[]>();
  for (const candidate of candidates) {
    for (const [name, valueName] of offeredNames(candidate)) {
      offers.set(name, [...(offers.get(name) ?? []), { candidate, valueName }]);
    }
  }
  return offers;
}

function decide(name: string, offers: readonly Offer[], input: ResolutionInput): NameDecision {
  const scope = SCOPE_ORDER.find((kind) => offers.some((o) => o.candidate.scope === kind));
  if (scope === undefined) {
    return {
      name,
      outcome: 'refused',
      candidate: null,
      code: ErrorCode.SecretNotFound,
      reason: `no credential offers ${name}`,
    };
  }
  const narrowest = offers.filter((o) => o.candidate.scope === scope);
  const [winner] = narrowest as [Offer, ...Offer[]];
  const refuse = (code: ErrorCode, reason: string): Refused => ({
    name,
    outcome: 'refused',
    candidate: winner.candidate,
    code,
    reason,
  });
  if (narrowest.length > 1) {
    const paths = narrowest.map((o) => o.candidate.path).join(', ');
    return refuse(ErrorCode.ResolveConflict, `${name} is offered twice at ${scope} scope (${paths})`);
  }
  const { candidate } = winner;
  const { rules } = input.caller;
  const capability = input.preview === true ? 'list' : 'resolve';
  if (!mayAccess(rules, candidate.path, capability)) {
    return refuse(ErrorCode.PolicyDenied, `${capability} on ${candidate.path} is not granted`);
  }
  if (
    input.preview !== true &&
    candidate.provider === 'AUTO_MANAGED' &&
    candidate.writtenBy !== input.caller.name &&
    !mayReadAutoManaged(rules, candidate.path, 'resolve')
  ) {
    return refuse(
      ErrorCode.AutoManagedValue,
      `${candidate.path} is auto-managed: only its driver or a principal granted its workspace receives it`,
    );
  }
  if (!candidate.active) return refuse(ErrorCode.CredentialInactive, `${candidate.path} is deactivated`);
  if (candidate.expiresAt !== null && candidate.expiresAt.getTime() <= input.now.getTime()) {
    return refuse(ErrorCode.SecretExpired, `${candidate.path} has expired`);
  }
  return { name, outcome: 'resolved', candidate, valueName: winner.valueName };
}
