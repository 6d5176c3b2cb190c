import { z } from 'zod';
import { RESOLVABLE_NAME, ScopeKind } from './scopes.js';
import { Slug } from './slug.js';
import { SecretPath } from './vault.js';
import { ErrorCode } from './errors.js';

const ResolvableName = z.string().regex(RESOLVABLE_NAME, { message: 'a name is like OPENAI_API_KEY' });

/**
 * `vault.secret.resolve`: every credential that applies to a workspace (its own, its team's, its
 * org's; the narrowest scope wins a name), or only those named by `refs`. The workspace's team and
 * org come from the console, never from the caller: a caller may state them (`team`, `org`) and is
 * refused (VAULT.SCOPE_MISMATCH) if they are not the workspace's. `preview` answers names, scopes and
 * versions without any value (the `list` capability on the workspace suffices); otherwise the
 * caller needs `resolve` on the workspace and on each credential's path, and either every name
 * resolves or none is returned (VAULT.RESOLVE_REFUSED).
 */
export const ResolveRequest = z
  .object({
    workspace: Slug,
    refs: z
      .array(ResolvableName)
      .max(128)
      .refine((refs) => new Set(refs).size === refs.length, { message: 'refs are unique' })
      .optional(),
    team: Slug.optional(),
    org: Slug.optional(),
    preview: z.boolean().default(false),
  })
  .strict();
export type ResolveRequest = z.input<typeof ResolveRequest>;

/** A name as resolved: the credential that won it, at which scope and version. */
export const ResolvedName = z
  .object({
    name: ResolvableName,
    scope: ScopeKind,
    path: SecretPath,
    version: z.number().int().positive(),
    type: z.string(),
    /** The read event of this value (null in a preview: nothing was read). */
    read_event_id: z.uuid().nullable(),
  })
  .strict();
export type ResolvedName = z.infer<typeof ResolvedName>;

/** A name that could not be resolved, and why: the narrowest credential offering it was unusable. */
export const RefusedName = z
  .object({
    name: ResolvableName,
    scope: ScopeKind.nullable(),
    path: SecretPath.nullable(),
    version: z.number().int().positive().nullable(),
    code: z.enum(ErrorCode),
    reason: z.string(),
  })
  .strict();
export type RefusedName = z.infer<typeof RefusedName>;

/**
 * The reply: where each name came from and, unless a preview, the values as a JSON object
 * `{NAME: value}` sealed (crypto_box_seal) to the caller's key.
 */
export const ResolvedSet = z
  .object({
    workspace: Slug,
    team: Slug,
    org: Slug,
    resolve_event_id: z.uuid(),
    names: z.array(ResolvedName),
    refused: z.array(RefusedName),
    sealed: z.base64().nullable(),
  })
  .strict();
export type ResolvedSet = z.infer<typeof ResolvedSet>;
