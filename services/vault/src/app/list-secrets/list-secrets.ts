import type { SecretMetadata, SecretVersionInfo } from '@hearth/contracts';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import type { SignedRequest } from '../caller-identity.js';
import type { Gatekeeper } from '../gatekeeper.js';

/** Metadata only: names, versions, provider and tags; never a value. */
export class ListSecrets {
  constructor(
    private readonly gate: Pick<Gatekeeper, 'run'>,
    private readonly secrets: Pick<SecretStore, 'list' | 'versions'>,
  ) {}

  list(prefix: string, signed: SignedRequest): Promise<SecretMetadata[]> {
    return this.gate.run(signed, prefix, 'list', () => this.secrets.list(prefix));
  }

  versions(path: string, signed: SignedRequest): Promise<SecretVersionInfo[]> {
    return this.gate.run(signed, path, 'list', () => this.secrets.versions(path));
  }
}
