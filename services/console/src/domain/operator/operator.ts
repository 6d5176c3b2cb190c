import { ErrorCode, HearthError, type OperatorRole } from '@hearth/contracts';

export type { OperatorRole };

export interface OperatorToken {
  id: string;
  name: string;
  role: OperatorRole;
  createdBy: string;
}

/** The admin HEARTH_BOOTSTRAP_ADMIN_TOKEN makes at every start: changed by that setting, never revoked. */
export const BOOTSTRAP_ADMIN = 'bootstrap-admin';

export type Permission =
  | 'deployment.read'
  | 'deployment.write'
  | 'tenancy.read'
  | 'tenancy.write'
  | 'token.create'
  | 'token.revoke'
  | 'credential.write'
  | 'lease.write';

const GRANTS: Readonly<Record<OperatorRole, readonly Permission[]>> = {
  admin: [
    'deployment.read',
    'deployment.write',
    'tenancy.read',
    'tenancy.write',
    'token.create',
    'token.revoke',
    'credential.write',
    'lease.write',
  ],
  operator: ['deployment.read', 'deployment.write', 'tenancy.read', 'tenancy.write', 'credential.write', 'lease.write'],
  auditor: ['deployment.read', 'tenancy.read'],
};

export function mayDo(role: OperatorRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function authorize(caller: OperatorToken, permission: Permission): void {
  if (!mayDo(caller.role, permission)) {
    throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not ${permission}`);
  }
}
