import type { Capability, PolicyRule } from '@hearth/contracts';

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
  let best: { rank: number; allow: boolean } | null = null;
  for (const rule of rules) {
    const rank = rule.capabilities.includes(capability) ? coverage(rule.pattern, path) : null;
    if (rank === null) continue;
    const allow = rule.effect === 'allow';
    if (!best || rank > best.rank || (rank === best.rank && !allow)) best = { rank, allow };
  }
  return best?.allow ?? false;
}
