import {
  ErrorCode,
  HearthError,
  LeaseRoleListRequest,
  LeaseRoleNameRequest,
  parseRequest,
  rolePath,
  type LeaseRoleInfo,
} from '@hearth/contracts';
import type { z } from 'zod';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { LeaseStore, RoleStore } from '../ports.js';
import { roleInfo } from './role-info.js';

const get: AdmissionRule<z.infer<typeof LeaseRoleNameRequest>> = {
  capability: 'list',
  parse: (payload) => parseRequest(LeaseRoleNameRequest, payload),
  path: ({ name }) => rolePath(name),
};
/** Listing roles is authorised as listing `db/roles`; each row then as its own path. */
const list: AdmissionRule<z.infer<typeof LeaseRoleListRequest>> = {
  capability: 'list',
  parse: (payload) => parseRequest(LeaseRoleListRequest, payload),
  path: () => 'db/roles',
};

/** Get and list: what a role is made of. */
export class RoleQueries {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly roles: Pick<RoleStore, 'find' | 'list'>,
    private readonly leases: Pick<LeaseStore, 'liveCount'>,
  ) {}

  // Each is admitted first and read after: a read inside the admission's transaction would ask the pool
  // for a second connection while holding one, and as many requests at once as the pool holds would
  // wait on each other for good, the vault's secret reads with them.

  async get(signed: SignedRequest): Promise<LeaseRoleInfo> {
    const { name } = await this.admission.run(signed, get, (_tx, _caller, request) => Promise.resolve(request));
    const role = await this.roles.find(name);
    if (!role) throw new HearthError(ErrorCode.RoleNotFound, `no role ${name}`);
    return roleInfo(role, await this.leases.liveCount({ role: name }));
  }

  /** The roles (of one engine, if asked) the caller may list: a deny on one hides it even under an allow on all. */
  async list(signed: SignedRequest): Promise<LeaseRoleInfo[]> {
    const { rules, engine } = await this.admission.run(signed, list, (_tx, caller, { engine }) =>
      Promise.resolve({ rules: caller.principal.rules, engine }),
    );
    const visible = (await this.roles.list(engine)).filter((role) => mayAccess(rules, rolePath(role.name), 'list'));
    return Promise.all(visible.map(async (role) => roleInfo(role, await this.leases.liveCount({ role: role.name }))));
  }
}
