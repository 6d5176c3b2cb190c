import type { EngineInfo, LeaseInfo, LeaseRoleInfo } from '@hearth/contracts';
import type { StoredEngine, StoredLease, StoredRole } from '../ports.js';

// How engines, roles and leases are shown to those who may see them: never a password (the vault keeps
// none of a lease's, and an engine's root credential is only named by its path).

export function engineInfo(engine: StoredEngine, liveLeases: number): EngineInfo {
  return {
    name: engine.name,
    host: engine.host,
    port: engine.port,
    database: engine.database,
    sslmode: engine.sslmode,
    root_path: engine.rootPath,
    workspace: engine.workspace,
    rotation_days: engine.rotationDays,
    root_version: engine.rootVersion,
    rotation_pending: engine.rotation !== null,
    last_rotated_at: engine.lastRotatedAt?.toISOString() ?? null,
    live_leases: liveLeases,
    updated_at: engine.updatedAt.toISOString(),
  };
}

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

export function leaseInfo(lease: StoredLease): LeaseInfo {
  return {
    lease_id: lease.leaseId,
    role: lease.role,
    engine: lease.engine,
    workspace: lease.workspace,
    username: lease.username,
    state: lease.state,
    issued_by: lease.issuedBy,
    issued_at: lease.issuedAt.toISOString(),
    expires_at: lease.expiresAt.toISOString(),
    max_expires_at: lease.maxExpiresAt.toISOString(),
    revoked_at: lease.revokedAt?.toISOString() ?? null,
    attempts: lease.attempts,
    last_error: lease.lastError,
  };
}
