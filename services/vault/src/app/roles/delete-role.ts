import { ErrorCode, HearthError, LeaseRoleNameRequest, parseRequest, rolePath } from '@hearth/contracts';
import type { z } from 'zod';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { EngineStore, RoleStore } from '../ports.js';
import { atRole } from './role-info.js';

const remove: AdmissionRule<z.infer<typeof LeaseRoleNameRequest>> = {
  capability: 'delete',
  parse: (payload) => parseRequest(LeaseRoleNameRequest, payload),
  path: ({ name }) => rolePath(name),
};

/**
 * Deletes a role. Its live leases do not block it: each lease keeps the revocation statements it was
 * issued with, so the sweeper still revokes them as they were made.
 */
export class DeleteRole {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly roles: Pick<RoleStore, 'find' | 'delete'>,
    private readonly engines: Pick<EngineStore, 'find'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
  ) {}

  run(signed: SignedRequest): Promise<{ name: string }> {
    return this.admission.run(signed, remove, async (tx, caller, { name }) => {
      const role = await this.roles.find(name, tx);
      if (!role) throw new HearthError(ErrorCode.RoleNotFound, `no role ${name}`);
      // An engine's roles go with it, so a role's engine is there while the role is.
      const engine = (await this.engines.find(role.engine)) ?? { name: role.engine, workspace: null };
      await this.roles.delete(tx, name);
      const actor = caller.principal.name;
      await this.audit.record(tx, { type: 'LeaseRoleDeletedV1', data: atRole(name, engine, actor) }, actor);
      return { name };
    });
  }
}
