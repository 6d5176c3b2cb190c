import type { Capability } from '@hearth/contracts';

/** A request refused after its caller was identified (bad freshness, replay, policy). Reads use SecretReadV1. */
export interface AccessDeniedV1 {
  type: 'AccessDeniedV1';
  data: { actor: string; capability: Capability; path: string; outcome: 'DENIED'; reason: string };
}

/** The path a principal-management request is authorised against. */
export function principalPath(name: string): string {
  return `sys/principals/${name}`;
}
