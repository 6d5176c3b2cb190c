import {
  parseRequest,
  SecretListRequest,
  SecretPathRequest,
  type SecretMetadata,
  type SecretVersionInfo,
} from '@hearth/contracts';
import { mayAccess } from '../../domain/policy/policy.js';
import type { SecretStore } from '../../infra/postgres/secret-store.js';
import type { SignedRequest } from '../caller-identity.js';
import type { Admission, Gatekeeper } from '../gatekeeper.js';

/** A prefix is authorised as the path it names: `hearth/` as `hearth`, which `hearth/*` covers. */
const list: Admission<{ prefix: string }> = {
  capability: 'list',
  parse: (payload) => parseRequest(SecretListRequest, payload),
  path: ({ prefix }) => prefix.replace(/\/$/, ''),
};
const versions: Admission<{ path: string }> = {
  capability: 'list',
  parse: (payload) => parseRequest(SecretPathRequest, payload),
  path: ({ path }) => path,
};

/** Metadata only: names, versions, provider and tags; never a value. */
export class ListSecrets {
  constructor(
    private readonly gate: Pick<Gatekeeper, 'run'>,
    private readonly secrets: Pick<SecretStore, 'list' | 'versions'>,
  ) {}

  /**
   * Being allowed to list the prefix is not being allowed to list all below it: a deny on
   * `hearth/x/*` under an allow on `hearth/*` hides hearth/x's rows too, so every row is checked.
   */
  list(signed: SignedRequest): Promise<SecretMetadata[]> {
    return this.gate.run(signed, list, async (_tx, caller, { prefix }) =>
      (await this.secrets.list(prefix)).filter((row) => mayAccess(caller.principal.rules, row.path, 'list')),
    );
  }

  versions(signed: SignedRequest): Promise<SecretVersionInfo[]> {
    return this.gate.run(signed, versions, (_tx, _caller, { path }) => this.secrets.versions(path));
  }
}
