import { CredentialGetRequest, parseRequest, type CredentialDetails, type CredentialTypeInfo } from '@hearth/contracts';
import { z } from 'zod';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { CredentialDetailsReader } from './credential-details.js';
import type { TypeCatalog } from './type-catalog.js';

const get: AdmissionRule<z.infer<typeof CredentialGetRequest>> = {
  capability: 'list',
  parse: (payload) => parseRequest(CredentialGetRequest, payload),
  path: ({ path }) => path,
};

/** The types are what any caller needs to write a credential: a known signer sees them all. */
const types: AdmissionRule<Record<string, never>> = {
  capability: 'list',
  parse: (payload) => parseRequest(z.object({}).strict(), payload),
  path: () => null,
};

/** Reads of credentials and their types: metadata, versions and history, never a value. */
export class CredentialQueries {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly details: Pick<CredentialDetailsReader, 'in'>,
    private readonly catalog: Pick<TypeCatalog, 'list'>,
  ) {}

  get(signed: SignedRequest): Promise<CredentialDetails> {
    return this.admission.run(signed, get, (tx, _caller, { path }) => this.details.in(tx, path));
  }

  types(signed: SignedRequest): Promise<CredentialTypeInfo[]> {
    return this.admission.run(signed, types, () => this.catalog.list());
  }
}
