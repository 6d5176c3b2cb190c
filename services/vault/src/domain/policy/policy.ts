import type { Capability, PolicyRule } from '@hearth/contracts';

/** Whether `pattern` covers `path`: exactly, or as a prefix when it ends in `*`. */
export function covers(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/**
 * Deny by default; among the rules that cover the path and name the capability, the longest pattern
 * wins, and at equal length an explicit deny wins. So `hearth/*` allow + `hearth/acme/*` deny keeps
 * acme out, and `hearth/acme/*` allow under a `*` deny lets acme in.
 */
export function mayAccess(rules: readonly PolicyRule[], path: string, capability: Capability): boolean {
  let best: { length: number; allow: boolean } | null = null;
  for (const rule of rules) {
    if (!rule.capabilities.includes(capability) || !covers(rule.pattern, path)) continue;
    const length = rule.pattern.length;
    const allow = rule.effect === 'allow';
    if (!best || length > best.length || (length === best.length && !allow)) best = { length, allow };
  }
  return best?.allow ?? false;
}
