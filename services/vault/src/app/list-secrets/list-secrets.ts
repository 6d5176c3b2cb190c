import {
  parseRequest,
  SecretListRequest,
  SecretPathRequest,
  type SecretMetadata,
  type SecretVersionInfo,
} from '@hearth/contracts';
import type { z } from 'zod';
import type { Clock } from '@hearth/platform/ports';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCatalog, SecretFilter } from '../ports.js';

type ListRequest = z.output<typeof SecretListRequest>;

/** A list request's filters as the catalog takes them: `expiring_within_seconds` counted from `now`. */
export function secretFilterOf(request: ListRequest, now: Date): SecretFilter {
  const { type, environment, active, expiring_within_seconds: within } = request;
  return {
    ...(type !== undefined ? { type } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(active !== undefined ? { active } : {}),
    ...(within !== undefined ? { expiringBy: new Date(now.getTime() + within * 1000) } : {}),
  };
}

/** A prefix is authorised as the path it names: `hearth/` as `hearth`, which `hearth/*` covers. */
const list: AdmissionRule<ListRequest> = {
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
    private readonly catalog: Pick<SecretCatalog, 'list' | 'versions'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Being allowed to list the prefix is not being allowed to list all below it: a deny on
   * `hearth/x/*` under an allow on `hearth/*` hides hearth/x's rows too, so every row is checked.
   */
  list(signed: SignedRequest): Promise<SecretMetadata[]> {
    return this.admission.run(signed, list, async (_tx, caller, request) =>
      (await this.catalog.list(request.prefix, secretFilterOf(request, this.clock.now()))).filter((row) =>
        mayAccess(caller.principal.rules, row.path, 'list'),
      ),
    );
  }

  versions(signed: SignedRequest): Promise<SecretVersionInfo[]> {
    return this.admission.run(signed, versions, (_tx, _caller, { path }) => this.catalog.versions(path));
  }
}
