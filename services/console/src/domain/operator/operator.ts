import { ErrorCode, HearthError, Permission, type OperatorRole } from '@hearth/contracts';

export type { OperatorRole, Permission };

export interface OperatorToken {
  id: string;
  name: string;
  role: OperatorRole;
  createdBy: string;
}

const ALL = Permission.options;
const TOKENS: readonly Permission[] = ['token.create', 'token.revoke'];

/** admin: everything; operator: everything but tokens; auditor: every read. */
const GRANTS: Readonly<Record<OperatorRole, readonly Permission[]>> = {
  admin: ALL,
  operator: ALL.filter((permission) => !TOKENS.includes(permission)),
  auditor: ALL.filter((permission) => permission.endsWith('.read')),
};

export function mayDo(role: OperatorRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** What `role` may do, in the contract's order: what the web console shows. */
export function permissionsOf(role: OperatorRole): Permission[] {
  return [...GRANTS[role]];
}

export function authorize(caller: OperatorToken, permission: Permission): void {
  if (!mayDo(caller.role, permission)) {
    throw new HearthError(ErrorCode.Forbidden, `role ${caller.role} may not ${permission}`);
  }
}
