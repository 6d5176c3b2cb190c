import {
  EngineNameRequest,
  ErrorCode,
  HearthError,
  LeaseListRequest,
  LeaseRoleListRequest,
  LeaseRoleNameRequest,
  parseRequest,
  type EngineHealth,
  type EngineInfo,
  type LeaseInfo,
  type LeaseRoleInfo,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { ConnectionOf, EngineStore, LeaseStore, RoleStore, TargetDatabases } from '../ports.js';
import { engineHealth, engineInfo } from '../engines/engine-info.js';
import { roleInfo } from '../roles/role-info.js';
import { leaseInfo } from '../leases/lease-info.js';

/** A query string's values arrive as text; the lease list's limit is a number. */
const withNumericLimit = (query: unknown): unknown => {
  if (typeof query !== 'object' || query === null || !('limit' in query)) return query;
  const { limit } = query;
  return { ...query, limit: typeof limit === 'string' && limit !== '' ? Number(limit) : limit };
};

/**
 * The operators' view of dynamic credentials over HTTP: engines (with their health), roles and leases,
 * all of them, for a console operator token of an allowed role (the guard checks it). Never a password:
 * the vault keeps none of a lease's, and an engine's root credential shows only as its path. Changes
 * go over NATS, signed and admitted by policy.
 */
export class OperatorLeases {
  constructor(
    private readonly engines: Pick<EngineStore, 'find' | 'list'>,
    private readonly roles: Pick<RoleStore, 'find' | 'list'>,
    private readonly leases: Pick<LeaseStore, 'list' | 'liveCount'>,
    private readonly target: Pick<TargetDatabases, 'probe'>,
    private readonly connectionOf: ConnectionOf,
    private readonly clock: Clock,
  ) {}

  async engineList(): Promise<EngineInfo[]> {
    const engines = await this.engines.list();
    return Promise.all(engines.map(async (e) => engineInfo(e, await this.leases.liveCount({ engine: e.name }))));
  }

  async engine(name: unknown): Promise<EngineInfo> {
    const engine = await this.findEngine(name);
    return engineInfo(engine, await this.leases.liveCount({ engine: engine.name }));
  }

  /** A test connection as the engine's admin, now, its root credential read (and recorded) by the machinery. */
  async health(name: unknown): Promise<EngineHealth> {
    const engine = await this.findEngine(name);
    return engineHealth(engine.name, this.connectionOf, this.target, this.clock.now());
  }

  async roleList(query: unknown): Promise<LeaseRoleInfo[]> {
    const { engine } = parseRequest(LeaseRoleListRequest, query);
    const roles = await this.roles.list(engine);
    return Promise.all(roles.map(async (r) => roleInfo(r, await this.leases.liveCount({ role: r.name }))));
  }

  async role(name: unknown): Promise<LeaseRoleInfo> {
    const request = parseRequest(LeaseRoleNameRequest, { name });
    const role = await this.roles.find(request.name);
    if (!role) throw new HearthError(ErrorCode.RoleNotFound, `no role ${request.name}`);
    return roleInfo(role, await this.leases.liveCount({ role: role.name }));
  }

  /** Newest first, filtered by role, engine, workspace and state. */
  async leaseList(query: unknown): Promise<LeaseInfo[]> {
    const filter = parseRequest(LeaseListRequest, withNumericLimit(query));
    return (await this.leases.list(filter)).map(leaseInfo);
  }

  private async findEngine(name: unknown) {
    const request = parseRequest(EngineNameRequest, { name });
    const engine = await this.engines.find(request.name);
    if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${request.name}`);
    return engine;
  }
}
