import { ENGINE_CREDENTIAL_VALUES, ErrorCode, HearthError, SecretValues } from '@hearth/contracts';
import type { Ids, UnitOfWork } from '@hearth/platform/ports';
import { secretReadEvent } from '../../domain/read.js';
import type { AuditTrail } from '../audit-trail.js';
import type { Cipher, EngineConnection, EngineStore, SecretVersions } from '../ports.js';

/** Who reads engines' root credentials: the vault's own dynamic-credential machinery, never a principal. */
export const ENGINE_MACHINERY = 'vault.dynamic-credentials';

/** An engine's root login as its secret holds it. */
export interface RootLogin {
  username: string;
  password: string;
}

/**
 * The root credentials of engines, read from their secrets by the machinery alone (no principal may
 * read below `infra/postgres/`), each read recorded like any other: a SecretReadV1 of actor
 * `vault.dynamic-credentials` in HATCH, committed before the value is used.
 */
export class EngineCredentials {
  constructor(
    private readonly engines: Pick<EngineStore, 'find'>,
    private readonly versions: SecretVersions,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly ids: Ids,
  ) {}

  /** How to reach `engine` as its admin: the version of its root credential Postgres accepts. */
  async connectionOf(engine: string): Promise<EngineConnection> {
    const stored = await this.engines.find(engine);
    if (!stored) throw new HearthError(ErrorCode.EngineNotFound, `no engine ${engine}`);
    const { username, password } = await this.read(stored.rootPath, stored.rootVersion);
    const { host, port, database, sslmode } = stored;
    return { engine, host, port, database, sslmode, username, password };
  }

  /** Version `version` of the root credential at `rootPath` (its current one when omitted), and that version's number. */
  async read(rootPath: string, version?: number): Promise<RootLogin & { version: number }> {
    const stored = await this.versions.findForRead(rootPath, version);
    if (!stored?.sealed || stored.deleted || stored.destroyed) {
      throw new HearthError(ErrorCode.EngineInvalidConfig, `no root credential to read at ${rootPath}`);
    }
    const plaintext = this.cipher.open(stored.sealed, { path: rootPath, version: stored.version });
    try {
      const values = SecretValues.safeParse(JSON.parse(Buffer.from(plaintext).toString('utf8'))).data ?? {};
      const username = values[ENGINE_CREDENTIAL_VALUES.username];
      const password = values[ENGINE_CREDENTIAL_VALUES.password];
      if (!username || !password) {
        throw new HearthError(
          ErrorCode.EngineInvalidConfig,
          `the root credential at ${rootPath} must hold ${ENGINE_CREDENTIAL_VALUES.username} and ${ENGINE_CREDENTIAL_VALUES.password}`,
        );
      }
      await this.unitOfWork.run((tx) =>
        this.audit.record(
          tx,
          secretReadEvent({ actor: ENGINE_MACHINERY, path: rootPath, nonce: this.ids.next() }, stored.version, 'OK'),
          ENGINE_MACHINERY,
        ),
      );
      return { username, password, version: stored.version };
    } finally {
      plaintext.fill(0);
    }
  }
}
