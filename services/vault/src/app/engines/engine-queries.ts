import {
  enginePath,
  EngineNameRequest,
  ErrorCode,
  HearthError,
  parseRequest,
  type EngineHealth,
  type EngineInfo,
} from '@hearth/contracts';
import type { Clock } from '@hearth/platform/ports';
import { z } from 'zod';
import { mayAccess } from '../../domain/policy/policy.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { ConnectionOf, EngineStore, LeaseStore, StoredEngine, TargetDatabases } from '../ports.js';
import { engineHealth, engineInfo, engineRule } from './engine-info.js';

const get = engineRule('list', EngineNameRequest);
const health = engineRule('list', EngineNameRequest);
const EngineListRequest = z.object({}).strict();
/** Listing engines is authorised as listing `db/engines`; each row then as its own path. */
const list: AdmissionRule<z.infer<typeof EngineListRequest>> = {
  capability: 'list',
  parse: (payload) => parseRequest(EngineListRequest, payload),
  path: () => 'db/engines',
};

/** Get, list and health: what an engine is and whether the vault can work on it; never a password. */
export class EngineQueries {
  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly engines: Pick<EngineStore, 'find' | 'list'>,
    private readonly leases: Pick<LeaseStore, 'liveCount'>,
    private readonly connectionOf: ConnectionOf,
    private readonly target: Pick<TargetDatabases, 'probe'>,
    private readonly clock: Clock,
  ) {}

  // Each is admitted first and read after: a read inside the admission's transaction would ask the pool
  // for a second connection while holding one, and as many requests at once as the pool holds would
  // wait on each other for good, the vault's secret reads with them.

  async get(signed: SignedRequest): Promise<EngineInfo> {
    const { name } = await this.admission.run(signed, get, (_tx, _caller, request) => Promise.resolve(request));
    const engine = await this.existing(name);
    return engineInfo(engine, await this.leases.liveCount({ engine: name }));
  }

  /** Only the engines the caller may list: a deny on one hides it even under an allow on all. */
  async list(signed: SignedRequest): Promise<EngineInfo[]> {
    const rules = await this.admission.run(signed, list, (_tx, caller) => Promise.resolve(caller.principal.rules));
    const visible = (await this.engines.list()).filter((e) => mayAccess(rules, enginePath(e.name), 'list'));
    return Promise.all(visible.map(async (e) => engineInfo(e, await this.leases.liveCount({ engine: e.name }))));
  }

  /** Each step of reaching the engine with its current root credential (see engineHealth). */
  async health(signed: SignedRequest): Promise<EngineHealth> {
    // Nor is one held while the engine's server answers, or does not.
    const { name } = await this.admission.run(signed, health, (_tx, _caller, request) => Promise.resolve(request));
    await this.existing(name);
    return engineHealth(name, this.connectionOf, this.target, this.clock.now());
  }

  private async existing(name: string): Promise<StoredEngine> {
    const engine = await this.engines.find(name);
    if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${name}`);
    return engine;
  }
}
