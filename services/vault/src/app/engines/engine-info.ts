import {
  enginePath,
  ErrorCode,
  HearthError,
  parseRequest,
  type Capability,
  type EngineHealth,
  type EngineInfo,
} from '@hearth/contracts';
import type { z } from 'zod';
import type { AdmissionRule } from '../admission/admission.js';
import type { ConnectionOf, StoredEngine, TargetDatabases } from '../ports.js';

/** A request about one engine, authorised as `capability` on `db/engines/<name>`. */
export function engineRule<S extends z.ZodType<{ name: string }>>(
  capability: Capability,
  schema: S,
): AdmissionRule<z.infer<S>> {
  return {
    capability,
    parse: (payload) => parseRequest(schema, payload),
    path: (request) => enginePath(request.name),
  };
}

/** An engine as get and list show it: where it is, never its root password. */
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

/** Where an engine's events say it is: its policy path, name and workspace, and who acted. */
export function atEngine(engine: Pick<StoredEngine, 'name' | 'workspace'>, by: string) {
  return { path: enginePath(engine.name), engine: engine.name, workspace_slug: engine.workspace, by };
}

/**
 * Each step of reaching engine `name` with its current root credential, checked at `now`. A database
 * that is down is an answer (reachable false), not a failure; so is a root credential that can no
 * longer be read.
 */
export async function engineHealth(
  name: string,
  connectionOf: ConnectionOf,
  target: Pick<TargetDatabases, 'probe'>,
  now: Date,
): Promise<EngineHealth> {
  const checked = { name, checked_at: now.toISOString() };
  try {
    return { ...checked, ...(await target.probe(await connectionOf(name))) };
  } catch (error) {
    if (!(error instanceof HearthError) || error.code !== ErrorCode.EngineInvalidConfig) throw error;
    return { ...checked, reachable: false, root_login: false, may_create_roles: false, message: error.message };
  }
}
