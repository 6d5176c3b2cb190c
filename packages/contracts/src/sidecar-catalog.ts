/**
 * The known-sidecar catalog by name: the images whose root credential the driver generates, keeps in
 * the vault and shows to no one. The driver's rows (driver-localdocker domain/catalog/known-sidecars.ts)
 * are exactly these, in this order (its spec checks); the web console's picker offers them. Which
 * tag or registry is the operator's choice: any image whose base name is one of these gets its row.
 */
export const SIDECAR_CATALOG = [
  { image: 'postgres', label: 'PostgreSQL' },
  { image: 'mariadb', label: 'MariaDB' },
  { image: 'mysql', label: 'MySQL' },
  { image: 'mongo', label: 'MongoDB' },
  { image: 'rabbitmq', label: 'RabbitMQ' },
  { image: 'elasticsearch', label: 'Elasticsearch' },
] as const;
export type KnownSidecarImage = (typeof SIDECAR_CATALOG)[number]['image'];

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

/** The catalog entry an image matches by its base name exactly, or null (`mypostgres` is not `postgres`). */
export function sidecarCatalogEntryOf(reference: string): (typeof SIDECAR_CATALOG)[number] | null {
  const name = imageBaseName(reference);
  return SIDECAR_CATALOG.find((entry) => entry.image === name) ?? null;
}
