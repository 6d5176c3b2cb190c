import { credsPath, LeaseListRequest, parseRequest, type LeaseInfo } from '@hearth/contracts';
import type { z } from 'zod';
import { leaseInfo } from './lease-info.js';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { LeaseStore } from '../ports.js';

type ListRequest = z.output<typeof LeaseListRequest>;
/** A role's leases are authorised as `db/creds/<role>`, all leases as `db/creds`. */
const list: AdmissionRule<ListRequest> = {
  capability: 'list',
  parse: (payload) => parseRequest(LeaseListRequest, payload),
  path: ({ role }) => (role === undefined ? 'db/creds' : credsPath(role)),
};

/** Leases by role, engine, workspace or state, newest first: never a password (the vault keeps none). */
export class ListLeases {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly leases: Pick<LeaseStore, 'list'>,
  ) {}

  /** Every row is checked: a deny on `db/creds/x/*` under an allow on `db/creds/*` hides x's leases. */
  run(signed: SignedRequest): Promise<LeaseInfo[]> {
    return this.admission.run(signed, list, async (tx, caller, filter) =>
      (await this.leases.list(filter, tx))
        .filter((lease) => mayAccess(caller.principal.rules, lease.leaseId, 'list'))
        .map(leaseInfo),
    );
  }
}
