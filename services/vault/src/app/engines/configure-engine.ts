import { EngineConfig, ErrorCode, HearthError, type EngineInfo, type ParsedEngineConfig } from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import type { Admission } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type { EngineConnection, EngineStore, LeaseStore, StoredEngine, TargetDatabases } from '../ports.js';
import type { EngineCredentials } from './engine-credentials.js';
import { atEngine, engineInfo, engineRule } from './engine-info.js';

const configure = engineRule('write', EngineConfig);

/** What a failed probe of a configuration is refused for, first failing step first; never a password. */
export function probeFailure(
  connection: EngineConnection,
  health: { reachable: boolean; root_login: boolean; may_create_roles: boolean; message: string | null },
): string | null {
  const step = !health.reachable
    ? `unreachable at ${connection.host}:${connection.port}`
    : !health.root_login
      ? `root login refused for ${connection.username}`
      : !health.may_create_roles
        ? `${connection.username} may not create roles`
        : null;
  if (step === null) return null;
  const detail = health.message?.replaceAll(connection.password, '[password]');
  return detail ? `${step}: ${detail}` : step;
}

/** Whether a replacement points the engine at another database than the one its leases' users are on. */
function movesDatabase(existing: StoredEngine, config: ParsedEngineConfig): boolean {
  return existing.host !== config.host || existing.port !== config.port || existing.database !== config.database;
}

/**
 * Creates or replaces an engine once its root credential really works: the credential's current
 * version is read (recorded), the database probed with it, and only a configuration that reaches the
 * server, logs in and may create roles is saved, pinned to the version that worked.
 */
export class ConfigureEngine {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly engines: EngineStore,
    private readonly leases: Pick<LeaseStore, 'liveCount'>,
    private readonly credentials: Pick<EngineCredentials, 'read'>,
    private readonly target: Pick<TargetDatabases, 'probe' | 'forget'>,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
  ) {}

  async run(signed: SignedRequest): Promise<EngineInfo> {
    const saved = await this.admission.run(signed, configure, async (tx, caller, config: ParsedEngineConfig) => {
      const existing = await this.engines.find(config.name, tx);
      if (existing?.rotation) {
        throw new HearthError(
          ErrorCode.RotationInProgress,
          `engine ${config.name} has a root rotation in flight; configure it once that ends`,
        );
      }
      if (
        existing &&
        movesDatabase(existing, config) &&
        (await this.leases.liveCount({ engine: config.name }, tx)) > 0
      ) {
        throw new HearthError(
          ErrorCode.EngineInUse,
          `engine ${config.name} has live leases whose users are on ${existing.host}:${existing.port}/${existing.database}: revoke them before moving it`,
        );
      }
      const root = await this.credentials.read(config.root_path);
      const { name, host, port, database, sslmode } = config;
      const connection = {
        engine: name,
        host,
        port,
        database,
        sslmode,
        username: root.username,
        password: root.password,
      };
      const failure = probeFailure(connection, await this.target.probe(connection));
      if (failure !== null) {
        throw new HearthError(ErrorCode.EngineInvalidConfig, `engine ${name}: ${failure}`);
      }
      const engine = {
        name,
        host,
        port,
        database,
        sslmode,
        rootPath: config.root_path,
        workspace: config.workspace,
        rotationDays: config.rotation_days,
        rootVersion: root.version,
        rotation: null,
        lastRotatedAt: existing?.rootPath === config.root_path ? existing.lastRotatedAt : null,
        updatedAt: this.clock.now(),
      };
      await this.engines.save(tx, engine);
      await this.audit.record(
        tx,
        {
          type: 'EngineConfiguredV1',
          data: {
            ...atEngine(engine, caller.principal.name),
            host,
            port,
            database,
            sslmode,
            root_path: config.root_path,
            rotation_days: config.rotation_days,
            created: existing === null,
          },
        },
        caller.principal.name,
      );
      return engine;
    });
    // Its old connection logged in as it was configured before.
    await this.target.forget(saved.name);
    return engineInfo(saved, await this.leases.liveCount({ engine: saved.name }));
  }
}
