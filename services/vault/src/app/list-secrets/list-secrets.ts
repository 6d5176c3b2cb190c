import {
  parseRequest,
  SecretListRequest,
  SecretPathRequest,
  type SecretMetadata,
  type SecretVersionInfo,
} from '@hearth/contracts';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCatalog } from '../ports.js';

/** A prefix is authorised as the path it names: `hearth/` as `hearth`, which `hearth/*` covers. */
const list: AdmissionRule<{ prefix: string }> = {
  capability: 'list',
  parse: (payload) => parseRequest(SecretListRequest, payload),
  path: ({ prefix }) => prefix.replace(/\/$/, ''),
};
const versions: AdmissionRule<{ path: string }> = {
  capability: 'list',
  parse: (payload) => parseRequest(SecretPathRequest, payload),
  path: ({ path }) => path,
};

/** Metadata only: names, versions, provider and tags; never a value. */
export class ListSecrets {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly catalog: SecretCatalog,
  ) {}

  /**
   * Being allowed to list the prefix is not being allowed to list all below it: a deny on
   * `hearth/x/*` under an allow on `hearth/*` hides hearth/x's rows too, so every row is checked.
   */
  list(signed: SignedRequest): Promise<SecretMetadata[]> {
    return this.admission.run(signed, list, async (_tx, caller, { prefix }) =>
      (await this.catalog.list(prefix)).filter((row) => mayAccess(caller.principal.rules, row.path, 'list')),
    );
  }

  versions(signed: SignedRequest): Promise<SecretVersionInfo[]> {
    return this.admission.run(signed, versions, (_tx, _caller, { path }) => this.catalog.versions(path));
  }
}
