import type { AccessDeniedV1, Capability, EventBody } from '@hearth/contracts';

/** A signed request refused once its signer was known, as HATCH records it (reads record SecretReadV1). */
export function accessDenied(
  refused: { actor: string; capability: Capability; path: string },
  reason: string,
): EventBody<AccessDeniedV1> {
  return { type: 'AccessDeniedV1', data: { ...refused, outcome: 'DENIED', reason } };
}

/** The path a principal-management request is authorised against. */
export function principalPath(name: string): string {
  return `sys/principals/${name}`;
}

/**
 * The path a refused request named, fit for its record even when the request is malformed: `path`
 * or `prefix`, else the principal it is about; at most 256 characters, anything but printable ASCII
 * written out as `\uXXXX` (a path is ASCII, and Postgres JSON holds neither a NUL nor a lone surrogate).
 */
export function claimedPath(payload: unknown): string {
  const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const principal = text(fields.principal) ?? text(fields.name);
  const named = text(fields.path) ?? text(fields.prefix) ?? (principal === undefined ? '' : principalPath(principal));
  return named.slice(0, 256).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
