import { KNOWN_SIDECARS, type KnownSidecar } from './known-sidecars.js';

/**
 * An image reference's base name: the registry host (with port), the path, the tag and the digest
 * stripped, so `harbor.acme.io/library/postgres:16@sha256:…` and `localhost:5000/postgres:latest`
 * are both `postgres`. Cutting at the last `/` drops host and path together; only then is a `:` a
 * tag (before it, it may be a registry port).
 */
export function imageBaseName(reference: string): string {
  const withoutDigest = reference.split('@', 1)[0] ?? '';
  const components = withoutDigest.split('/');
  const last = components.at(-1) ?? '';
  const tagAt = last.indexOf(':');
  return (tagAt === -1 ? last : last.slice(0, tagAt)).toLowerCase();
}

/** The catalog row an image matches by its base name exactly, or null (`mypostgres` is not `postgres`). */
export function knownSidecarFor(reference: string): KnownSidecar | null {
  const name = imageBaseName(reference);
  return KNOWN_SIDECARS.find((row) => row.image === name) ?? null;
}
