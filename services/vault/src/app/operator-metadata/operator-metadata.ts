import {
  ErrorCode,
  HearthError,
  parseRequest,
  SecretListRequest,
  SecretPathRequest,
  type AuthenticatedOperator,
  type OperatorRole,
  type SecretMetadata,
  type SecretVersionInfo,
} from '@hearth/contracts';
import type { ConsoleTokenCache } from '@hearth/platform/operators';
import type { SecretCatalog } from '../ports.js';

/**
 * The operators' view of the vault over HTTP: metadata only (paths, versions, provider, tags, value
 * names), so no value — auto-managed or not — can leave this way. Callers are console operator
 * tokens (checked through the console, as hatch checks its auditors) in one of `roles`.
 */
export class OperatorMetadata {
  constructor(
    private readonly tokens: Pick<ConsoleTokenCache, 'holder'>,
    private readonly roles: readonly OperatorRole[],
    private readonly catalog: SecretCatalog,
  ) {}

  async operator(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const caller = await this.tokens.holder(authorization);
    if (!this.roles.includes(caller.role)) {
      throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not read secret metadata`);
    }
    return caller;
  }

  list(query: unknown): Promise<SecretMetadata[]> {
    return this.catalog.list(parseRequest(SecretListRequest, query).prefix);
  }

  versions(path: unknown): Promise<SecretVersionInfo[]> {
    return this.catalog.versions(parseRequest(SecretPathRequest, { path }).path);
  }
}
