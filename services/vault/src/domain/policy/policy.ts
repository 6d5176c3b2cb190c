import type { Capability, PolicyRule } from '@hearth/contracts';
import { workspaceOf } from '../secret/secret.js';

/**
 * How specific a pattern is, in whole segments (`*` 0, `hearth/*` 1, `hearth/acme/*` 2), an exact
 * path ranking just above the `/*` of the same path; null for anything not in the pattern grammar
 * (`hearth/acme*` from an earlier release), which therefore covers nothing: fail closed.
 */
function specificity(pattern: string): { base: string | null; rank: number } | null {
  if (pattern === '*') return { base: null, rank: 0 };
  const wildcard = pattern.endsWith('/*');
  const base = wildcard ? pattern.slice(0, -2) : pattern;
  if (base === '' || base.includes('*')) return null;
  return { base, rank: 2 * base.split('/').length + (wildcard ? 0 : 1) };
}

/**
 * Whether `pattern` covers `path`, segment by segment: `*` covers everything, `X/*` covers X and
 * every path below it, anything else only itself. A raw string prefix would let `hearth/acme*`
 * cover `hearth/acme2`, another workspace.
 */
export function covers(pattern: string, path: string): boolean {
  return coverage(pattern, path) !== null;
}

/** The specificity with which `pattern` covers `path`, or null when it does not. */
function coverage(pattern: string, path: string): number | null {
  const spec = specificity(pattern);
  if (!spec) return null;
  const covered =
    spec.base === null || path === spec.base || (pattern.endsWith('/*') && path.startsWith(`${spec.base}/`));
  return covered ? spec.rank : null;
}

/**
 * Deny by default; among the rules that cover the path and name the capability, the most specific
 * pattern (the longest, in segments) wins, and at equal specificity an explicit deny wins. So
 * `hearth/*` allow + `hearth/acme/*` deny keeps acme out, and `hearth/acme/*` allow under a `*`
 * deny lets acme in.
 */
export function mayAccess(rules: readonly PolicyRule[], path: string, capability: Capability): boolean {
  return decision(rules, path, capability)?.allow ?? false;
}

/** The rule that decides `capability` on `path`: its specificity and effect; null when none covers it (deny). */
function decision(
  rules: readonly PolicyRule[],
  path: string,
  capability: Capability,
): { rank: number; allow: boolean } | null {
  let best: { rank: number; allow: boolean } | null = null;
  for (const rule of rules) {
    const rank = rule.capabilities.includes(capability) ? coverage(rule.pattern, path) : null;
    if (rank === null) continue;
    const allow = rule.effect === 'allow';
    if (!best || rank > best.rank || (rank === best.rank && !allow)) best = { rank, allow };
  }
  return best;
}

/** The rank of `hearth/<slug>/*`: a rule at least this specific names one workspace. */
const WORKSPACE_RANK = 4;

/**
 * Whether `rules` let their principal read (or resolve) an AUTO_MANAGED value at `path`: only when the rule that
 * allows it names the path's workspace (`hearth/<slug>/*`, `hearth/<slug>` or below). `*` (root)
 * and `hearth/*` (an operator of every workspace) allow reading USER values, never a generated one.
 */
export function mayReadAutoManaged(
  rules: readonly PolicyRule[],
  path: string,
  capability: Extract<Capability, 'read' | 'resolve'> = 'read',
): boolean {
  const decided = workspaceOf(path) === null ? null : decision(rules, path, capability);
  return decided !== null && decided.allow && decided.rank >= WORKSPACE_RANK;
}

/** A segment no rule can name (outside the path grammar): a path below X that only X's wildcards decide. */
const UNNAMED = '\u0000';

/**
 * Whether `rules` allow `capability` on every path `pattern` covers: what a principal holds, and so
 * all it may grant. The pattern's own path must be allowed; for `X/*` or `*`, also a path below it
 * that no narrower rule names, and no narrower rule inside it may deny. A pattern outside the grammar
 * (an earlier release's `hearth/acme*`) covers nothing, so holding it is vacuous: such a rule can
 * always be revoked.
 */
export function holds(rules: readonly PolicyRule[], pattern: string, capability: Capability): boolean {
  const spec = specificity(pattern);
  if (!spec) return true;
  if (spec.base !== null && !mayAccess(rules, spec.base, capability)) return false;
  if (spec.base !== null && !pattern.endsWith('/*')) return true;
  const below = spec.base === null ? UNNAMED : `${spec.base}/${UNNAMED}`;
  if (!mayAccess(rules, below, capability)) return false;
  return !rules.some((rule) => {
    if (rule.effect !== 'deny' || !rule.capabilities.includes(capability)) return false;
    const inner = specificity(rule.pattern);
    return inner !== null && inner.base !== null && (spec.base === null || inner.base.startsWith(`${spec.base}/`));
  });
}
