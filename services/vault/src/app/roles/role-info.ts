import { rolePath, type LeaseRoleInfo } from '@hearth/contracts';
import type { StoredEngine, StoredRole } from '../ports.js';

/** A role as get and list show it. */
export function roleInfo(role: StoredRole, liveLeases: number): LeaseRoleInfo {
  return {
    name: role.name,
    engine: role.engine,
    creation_statements: [...role.statements.creation],
    revocation_statements: [...role.statements.revocation],
    renew_statements: [...role.statements.renew],
    rollback_statements: [...role.statements.rollback],
    default_ttl: role.defaultTtl,
    max_ttl: role.maxTtl,
    username_template: role.usernameTemplate,
    live_leases: liveLeases,
    updated_at: role.updatedAt.toISOString(),
  };
}

/** Where a role's events say it is: its policy path, its engine and the engine's workspace, and who acted. */
export function atRole(role: string, engine: Pick<StoredEngine, 'name' | 'workspace'>, by: string) {
  return { path: rolePath(role), engine: engine.name, workspace_slug: engine.workspace, by, role };
}
