import {
  DEFAULT_ENVIRONMENT,
  GENERIC_TYPE,
  enginePath,
  EngineNameRequest,
  ENGINE_CREDENTIAL_VALUES,
  ErrorCode,
  HearthError,
  type EngineInfo,
  type EngineRootRotatedV1,
} from '@hearth/contracts';
import type { Clock, Transaction, UnitOfWork } from '@hearth/platform/ports';
import { rotationDue } from '../../domain/engine/rotation.js';
import type { Admission } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { AuditTrail } from '../audit-trail.js';
import type {
  Cipher,
  EngineConnection,
  EngineStore,
  FailureLog,
  LeaseStore,
  Passwords,
  SealedVersion,
  SecretCatalog,
  SecretRecords,
  StoredEngine,
  TargetDatabases,
} from '../ports.js';
import type { SecretCommands } from '../secret-commands.js';
import { sealWrittenVersions } from '../secret-commands.js';
import { ENGINE_MACHINERY, type EngineCredentials, type RootLogin } from './engine-credentials.js';
import { atEngine, engineInfo, engineRule } from './engine-info.js';

const rotate = engineRule('write', EngineNameRequest);

type Step = EngineRootRotatedV1['data']['step'];
/** What recovery did with an engine's rotation in flight. */
export type Recovery = 'promoted' | 'abandoned' | 'waiting' | 'none';

/**
 * The root credential's two-phase rotation. The new password is kept aside, sealed, before Postgres
 * is told (`pending`); Postgres is given its SCRAM verifier (`applied`); once it logs in it becomes a
 * new version of the root secret and the engine's `root_version`, in one transaction (`promoted`).
 * Each step is committed with its event before the next one acts, and each step holds the engine's
 * row, so a vault killed anywhere leaves a state `recover` finishes: the pending password logs in →
 * promote; the current one does → abandon; neither (the database is down) → try again later.
 */
export class RotateRoot {
  /** Engines this vault is rotating now: recovery leaves them to the rotation under way. */
  private readonly rotating = new Set<string>();

  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly engines: EngineStore,
    private readonly leases: Pick<LeaseStore, 'liveCount'>,
    private readonly credentials: Pick<EngineCredentials, 'read'>,
    private readonly passwords: Passwords,
    private readonly target: Pick<TargetDatabases, 'setRootVerifier' | 'canLogin' | 'forget'>,
    private readonly cipher: Pick<Cipher, 'seal' | 'open'>,
    private readonly secrets: {
      commands: Pick<SecretCommands, 'handle'>;
      records: Pick<SecretRecords, 'insertVersion'>;
      catalog: Pick<SecretCatalog, 'list'>;
      keepVersions: number;
    },
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
    private readonly log: FailureLog,
  ) {}

  /** rotate-root: the whole rotation for its caller; a step that fails is left to recovery at once. */
  async run(signed: SignedRequest): Promise<EngineInfo> {
    const { name, actor } = await this.admission.run(signed, rotate, async (tx, caller, { name }) => {
      await this.pending(tx, name, caller.principal.name);
      this.rotating.add(name);
      return { name, actor: caller.principal.name };
    });
    try {
      await this.finish(name, actor);
    } finally {
      this.rotating.delete(name);
    }
    const engine = await this.engines.find(name);
    if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${name}`);
    return engineInfo(engine, await this.leases.liveCount({ engine: name }));
  }

  /** Rotates every engine whose schedule says so (the sweeper's tick); the names of those rotated. */
  async rotateDue(): Promise<string[]> {
    const now = this.clock.now();
    const rotated: string[] = [];
    for (const { name } of (await this.engines.list()).filter((engine) => rotationDue(engine, now))) {
      try {
        // Another vault's tick may have rotated it meanwhile: whether it is still due is asked holding its row.
        if (this.rotating.has(name)) continue;
        this.rotating.add(name);
        try {
          const begun = await this.unitOfWork.run((tx) => this.pending(tx, name, ENGINE_MACHINERY, now));
          if (!begun) continue;
          await this.finish(name, ENGINE_MACHINERY);
          rotated.push(name);
        } finally {
          this.rotating.delete(name);
        }
      } catch (error) {
        this.log.error({ err: error, engine: name }, 'the scheduled root rotation failed; recovery will settle it');
      }
    }
    return rotated;
  }

  /**
   * Settles every rotation in flight (at start, and on the sweeper's tick). An engine whose database
   * cannot be asked is logged and left for the next try.
   */
  async recover(): Promise<Map<string, Recovery>> {
    const settled = new Map<string, Recovery>();
    const inFlight = (await this.engines.list()).filter(({ name, rotation }) => rotation && !this.rotating.has(name));
    for (const { name } of inFlight) {
      try {
        settled.set(name, await this.recoverOne(name));
      } catch (error) {
        this.log.error({ err: error, engine: name }, 'a root rotation could not be settled; it is tried again later');
      }
    }
    return settled;
  }

  /** Step one, on its own: a new password sealed aside. */
  async begin(name: string, actor: string): Promise<void> {
    await this.unitOfWork.run((tx) => this.pending(tx, name, actor));
  }

  /** Step two: Postgres is given the pending password's verifier. */
  async apply(name: string, actor: string): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      const engine = await this.engines.find(name, tx);
      if (engine?.rotation?.step !== 'pending') return;
      const login = this.opened(engine, engine.rotation.sealed);
      await this.target.setRootVerifier(name, await this.passwords.verifierOf(login.password));
      await this.engines.save(tx, { ...engine, rotation: { ...engine.rotation, step: 'applied' } });
      await this.recordStep(tx, engine, 'applied', null, actor);
    });
  }

  /** Step three: once the pending password logs in, it is the root credential. */
  async promote(name: string, actor: string): Promise<void> {
    const promoted = await this.unitOfWork.run(async (tx) => {
      const engine = await this.engines.find(name, tx);
      if (engine?.rotation?.step !== 'applied') return false;
      const login = this.opened(engine, engine.rotation.sealed);
      if (!(await this.target.canLogin(connectionAs(engine, login)))) {
        throw new HearthError(ErrorCode.EngineUnavailable, `engine ${name}: the new root password does not log in`);
      }
      await this.promoteIn(tx, engine, login, actor);
      return true;
    });
    if (promoted) await this.target.forget(name);
  }

  /** One engine's rotation in flight, settled by what Postgres accepts now. */
  async recoverOne(name: string): Promise<Recovery> {
    const recovery = await this.unitOfWork
      .run(async (tx): Promise<Recovery> => {
        const engine = await this.engines.find(name, tx);
        if (!engine?.rotation) return 'none';
        const login = this.opened(engine, engine.rotation.sealed);
        if (await this.target.canLogin(connectionAs(engine, login))) {
          await this.promoteIn(tx, engine, login, ENGINE_MACHINERY);
          return 'promoted';
        }
        const current = await this.credentials.read(engine.rootPath, engine.rootVersion);
        if (!(await this.target.canLogin(connectionAs(engine, current)))) return 'waiting';
        await this.engines.save(tx, { ...engine, rotation: null });
        await this.recordStep(tx, engine, 'abandoned', null, ENGINE_MACHINERY, 'Postgres never took the new password');
        return 'abandoned';
      })
      .catch((error: unknown) => {
        // Neither login could be tried: nothing is known, so nothing changes until the next try.
        if (error instanceof HearthError && error.code === ErrorCode.EngineUnavailable) return 'waiting' as const;
        throw error;
      });
    if (recovery === 'promoted' || recovery === 'abandoned') await this.target.forget(name);
    return recovery;
  }

  /** Applies and promotes a pending rotation; when a step fails, recovery settles what it left at once. */
  private async finish(name: string, actor: string): Promise<void> {
    try {
      await this.apply(name, actor);
      await this.promote(name, actor);
    } catch (error) {
      await this.recoverOne(name).catch((cause: unknown) =>
        this.log.error({ err: cause, engine: name }, 'a failed root rotation could not be settled yet'),
      );
      throw error;
    }
  }

  /** Seals a new password aside; with `dueAt`, only if the engine's schedule still says so then (false otherwise). */
  private async pending(tx: Transaction, name: string, actor: string, dueAt?: Date): Promise<boolean> {
    const engine = await this.engines.find(name, tx);
    if (!engine) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${name}`);
    if (dueAt && !rotationDue(engine, dueAt)) return false;
    if (engine.rotation) {
      throw new HearthError(ErrorCode.RotationInProgress, `engine ${name} has a root rotation in flight`);
    }
    const { username } = await this.credentials.read(engine.rootPath, engine.rootVersion);
    const plaintext = Buffer.from(JSON.stringify({ username, password: this.passwords.generate() }), 'utf8');
    try {
      const sealed = this.cipher.seal(plaintext, pendingRef(engine));
      await this.engines.save(tx, { ...engine, rotation: { step: 'pending', sealed } });
    } finally {
      plaintext.fill(0);
    }
    await this.recordStep(tx, engine, 'pending', null, actor);
    return true;
  }

  /** The pending password becomes a new version of the root secret, and the version the engine logs in with. */
  private async promoteIn(tx: Transaction, engine: StoredEngine, login: RootLogin, actor: string): Promise<void> {
    const { rootPath } = engine;
    const now = this.clock.now();
    const kept = (await this.secrets.catalog.list(rootPath)).find((secret) => secret.path === rootPath);
    const values = {
      [ENGINE_CREDENTIAL_VALUES.username]: login.username,
      [ENGINE_CREDENTIAL_VALUES.password]: login.password,
    };
    const { state } = await this.secrets.commands.handle(
      tx,
      {
        type: 'WriteSecret',
        path: rootPath,
        provider: kept?.provider ?? 'USER',
        tags: kept?.tags ?? {},
        description: kept?.description ?? null,
        expiresAt: null,
        valueNames: Object.keys(values).sort(),
        credentialType: kept?.type ?? GENERIC_TYPE,
        typeVersion: kept?.type_version ?? null,
        environment: kept?.environment ?? DEFAULT_ENVIRONMENT,
        fields: kept?.fields ?? {},
        cas: undefined,
        keepVersions: this.secrets.keepVersions,
        actor: ENGINE_MACHINERY,
        now: now.toISOString(),
      },
      (inner, events) => sealWrittenVersions(inner, events, values, this.cipher, this.secrets.records),
    );
    await this.engines.save(tx, { ...engine, rootVersion: state.currentVersion, rotation: null, lastRotatedAt: now });
    await this.recordStep(tx, engine, 'promoted', state.currentVersion, actor);
  }

  /** The pending login, opened from where it was sealed aside. */
  private opened(engine: StoredEngine, sealed: SealedVersion): RootLogin {
    const plaintext = this.cipher.open(sealed, pendingRef(engine));
    try {
      return JSON.parse(Buffer.from(plaintext).toString('utf8')) as RootLogin;
    } finally {
      plaintext.fill(0);
    }
  }

  private recordStep(
    tx: Transaction,
    engine: StoredEngine,
    step: Step,
    version: number | null,
    actor: string,
    reason?: string,
  ): Promise<void> {
    return this.audit.record(
      tx,
      {
        type: 'EngineRootRotatedV1',
        data: { ...atEngine(engine, actor), root_path: engine.rootPath, step, version, ...(reason ? { reason } : {}) },
      },
      actor,
    );
  }
}

/**
 * What a pending password is sealed to: the engine and the version it replaces, so it opens for
 * nothing else (an engine is not reconfigured while a rotation is in flight).
 */
function pendingRef(engine: StoredEngine) {
  return { path: enginePath(engine.name), version: engine.rootVersion };
}

function connectionAs(engine: StoredEngine, login: RootLogin): EngineConnection {
  const { name, host, port, database, sslmode } = engine;
  return { engine: name, host, port, database, sslmode, username: login.username, password: login.password };
}
