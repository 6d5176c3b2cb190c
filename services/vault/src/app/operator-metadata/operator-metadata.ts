import {
  ErrorCode,
  HearthError,
  parseRequest,
  SecretListRequest,
  SecretPathRequest,
  type AuthenticatedOperator,
  type CredentialDetails,
  type CredentialTypeInfo,
  type OperatorRole,
  type SecretMetadata,
  type SecretVersionInfo,
} from '@hearth/contracts';
import type { ConsoleTokenCache } from '@hearth/platform/operators';
import type { Clock } from '@hearth/platform/ports';
import type { CredentialDetailsReader } from '../credentials/credential-details.js';
import type { TypeCatalog } from '../credentials/type-catalog.js';
import { secretFilterOf } from '../list-secrets/list-secrets.js';
import type { SecretCatalog } from '../ports.js';

/** A query string's values arrive as text: the list's active flag is a boolean, its expiry window a number. */
function typedListQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  const { active, expiring_within_seconds: within, ...rest } = query as Record<string, unknown>;
  return {
    ...rest,
    ...(active === undefined ? {} : { active: active === 'true' ? true : active === 'false' ? false : active }),
    ...(within === undefined
      ? {}
      : { expiring_within_seconds: typeof within === 'string' && within !== '' ? Number(within) : within }),
  };
}

/**
 * The operators' view of the vault over HTTP: metadata only (paths, versions, provider, tags, value
 * names, a credential's metadata fields, tests and history), so no value — auto-managed or not — can
 * leave this way. Callers are console operator tokens (checked through the console, as hatch checks
 * its auditors) in one of `roles`.
 */
export class OperatorMetadata {
  constructor(
    private readonly tokens: Pick<ConsoleTokenCache, 'holder'>,
    private readonly roles: readonly OperatorRole[],
    private readonly catalog: Pick<SecretCatalog, 'list' | 'versions'>,
    private readonly details: Pick<CredentialDetailsReader, 'read'>,
    private readonly types: Pick<TypeCatalog, 'list'>,
    private readonly clock: Clock,
  ) {}

  async operator(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const caller = await this.tokens.holder(authorization);
    if (!this.roles.includes(caller.role)) {
      throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not read secret metadata`);
    }
    return caller;
  }

  list(query: unknown): Promise<SecretMetadata[]> {
    const request = parseRequest(SecretListRequest, typedListQuery(query));
    return this.catalog.list(request.prefix, secretFilterOf(request, this.clock.now()));
  }

  versions(path: unknown): Promise<SecretVersionInfo[]> {
    return this.catalog.versions(parseRequest(SecretPathRequest, { path }).path);
  }

  credential(path: unknown): Promise<CredentialDetails> {
    return this.details.read(parseRequest(SecretPathRequest, { path }).path);
  }

  credentialTypes(): Promise<CredentialTypeInfo[]> {
    return this.types.list();
  }
}
