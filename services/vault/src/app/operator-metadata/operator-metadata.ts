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
import { createHash } from 'node:crypto';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import type { OperatorDirectory } from '../ports.js';

/**
 * The operators' view of the vault over HTTP: metadata only (paths, versions, provider, tags, value
 * names), so no value — auto-managed or not — can leave this way. Callers are console operator
 * tokens, checked by their SHA-256 through the console, in one of `roles`.
 *
 * The token check is deliberately the bare minimum (no cache): hatch's AuditorAccess does the same
 * with a cache and should move to packages/platform as the one operator check of every HTTP edge.
 */
export class OperatorMetadata {
  constructor(
    private readonly directory: OperatorDirectory,
    private readonly roles: readonly OperatorRole[],
    private readonly secrets: Pick<SecretStore, 'list' | 'versions'>,
  ) {}

  async operator(authorization: string | undefined): Promise<AuthenticatedOperator> {
    const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    const caller = token ? await this.directory.authenticate(createHash('sha256').update(token).digest('hex')) : null;
    if (!caller) throw new HearthError(ErrorCode.Unauthenticated, 'a valid bearer token is required');
    if (!this.roles.includes(caller.role)) {
      throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not read secret metadata`);
    }
    return caller;
  }

  list(query: unknown): Promise<SecretMetadata[]> {
    return this.secrets.list(parseRequest(SecretListRequest, query).prefix);
  }

  versions(path: unknown): Promise<SecretVersionInfo[]> {
    return this.secrets.versions(parseRequest(SecretPathRequest, { path }).path);
  }
}
