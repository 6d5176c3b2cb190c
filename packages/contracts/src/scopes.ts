import { z } from 'zod';
import { GENERIC_TYPE } from './credential-types.js';
import { Slug } from './slug.js';

/**
 * Where a credential applies: to one workspace, to every workspace of a team, or to every workspace
 * of an organisation. The scope is the first two segments of the credential's path, so a policy
 * matches it by segment as it matches any path (`org/acme/*`, `team/platform/*`, `hearth/web/*`):
 *
 * - `org/<org>/…`       organisation-wide
 * - `team/<team>/…`     a team's (team slugs are unique across organisations)
 * - `hearth/<ws>/…`     a workspace's own; `hearth/<ws>` itself holds its sidecars' generated
 *                       credential (the DeploymentRef's `vault://hearth/<ws>`)
 *
 * A workspace's set is what it finds at its own scope, then its team's, then its org's: the
 * narrowest scope that offers a name decides it.
 */
export const ScopeKind = z.enum(['workspace', 'team', 'org']);
export type ScopeKind = z.infer<typeof ScopeKind>;

/** Narrowest first: the order resolution looks in. */
export const SCOPE_ORDER: readonly ScopeKind[] = ['workspace', 'team', 'org'];

/** The first segment of each scope's paths. */
export const SCOPE_MOUNTS: Readonly<Record<ScopeKind, string>> = { workspace: 'hearth', team: 'team', org: 'org' };

export interface Scope {
  kind: ScopeKind;
  slug: string;
}

/** The path a scope's credentials live at and below: `org/acme`, `team/platform`, `hearth/web`. */
export function scopePath(scope: Scope): string {
  return `${SCOPE_MOUNTS[scope.kind]}/${scope.slug}`;
}

/** The scope a path belongs to, or null for a path outside every scope (`db/engines/…`, `shared/x`). */
export function scopeOfPath(path: string): Scope | null {
  const [mount, slug] = path.split('/');
  const kind = ScopeKind.options.find((k) => SCOPE_MOUNTS[k] === mount);
  return kind === undefined || slug === undefined || !Slug.safeParse(slug).success ? null : { kind, slug };
}

/** A workspace's place in the tenancy tree, as the console answers it (`console.workspace.scope`). */
export const WorkspaceScope = z.object({ workspace: Slug, team: Slug, org: Slug }).strict();
export type WorkspaceScope = z.infer<typeof WorkspaceScope>;

/** The scopes that apply to a workspace, narrowest first. */
export function scopesOf(tree: WorkspaceScope): Scope[] {
  return [
    { kind: 'workspace', slug: tree.workspace },
    { kind: 'team', slug: tree.team },
    { kind: 'org', slug: tree.org },
  ];
}

/**
 * The seed's categories of credential, carried as the tag `category`: provider (model APIs),
 * infrastructure (databases, storage), integration (GitHub, Slack, webhooks), agent (per-task tokens).
 */
export const SecretCategory = z.enum(['provider', 'infrastructure', 'integration', 'agent']);
export type SecretCategory = z.infer<typeof SecretCategory>;
export const CATEGORY_TAG = 'category';

/**
 * The tag naming the prefix of a typed credential's names (`POSTGRES` → POSTGRES_HOST, POSTGRES_PASSWORD);
 * without it, the path's last segment in capitals (`org/acme/warehouse` → WAREHOUSE_PASSWORD).
 */
export const ENV_PREFIX_TAG = 'env_prefix';
export const ENV_PREFIX_PATTERN = /^[A-Z][A-Z0-9_]{0,46}$/;

/** What a credential is, as far as the names it offers a workload go. */
export interface NamedCredential {
  path: string;
  type: string;
  /** The names of its values: its fields for a typed credential. */
  valueNames: readonly string[];
  tags: Readonly<Record<string, string>>;
}

/**
 * The names a credential offers a workload, each with the value it comes from: a generic credential
 * offers its values under their own names (OPENAI_API_KEY); a typed one each field as
 * `<PREFIX>_<FIELD>` (POSTGRES_PASSWORD, POSTGRES_HOST). A name an env variable cannot carry is not offered.
 */
export function offeredNames(credential: NamedCredential): Map<string, string> {
  const offered = new Map<string, string>();
  const prefix = prefixOf(credential);
  for (const value of credential.valueNames) {
    const name = credential.type === GENERIC_TYPE ? value : prefix === null ? null : `${prefix}_${value.toUpperCase()}`;
    if (name !== null && RESOLVABLE_NAME.test(name)) offered.set(name, value);
  }
  return offered;
}

/** A name a workload can be given: an env variable's (POSTGRES_PASSWORD), at most 64 characters. */
export const RESOLVABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function prefixOf(credential: NamedCredential): string | null {
  const tagged = credential.tags[ENV_PREFIX_TAG];
  if (tagged !== undefined) return ENV_PREFIX_PATTERN.test(tagged) ? tagged : null;
  const last = credential.path.split('/').at(-1)!.toUpperCase().replaceAll('-', '_');
  return /^[A-Z_]/.test(last) ? last : null;
}
