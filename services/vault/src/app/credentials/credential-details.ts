import { ErrorCode, HearthError, type CredentialDetails } from '@hearth/contracts';
import type { Transaction, UnitOfWork } from '@hearth/platform/ports';
import type { SecretCatalog } from '../ports.js';
import type { SecretCommands } from '../secret-commands.js';

/**
 * What get answers of a credential: its metadata, its versions, and its history (its stream's events),
 * all read in one transaction so they agree — after a change, the transaction that made it. Never a value.
 */
export class CredentialDetailsReader {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly catalog: Pick<SecretCatalog, 'find' | 'versions'>,
    private readonly commands: Pick<SecretCommands, 'history'>,
  ) {}

  async in(tx: Transaction, path: string): Promise<CredentialDetails> {
    const metadata = await this.catalog.find(path, tx);
    if (!metadata) throw new HearthError(ErrorCode.SecretNotFound, `no credential at ${path}`);
    return {
      ...metadata,
      versions: await this.catalog.versions(path, tx),
      history: await this.commands.history(tx, path),
    };
  }

  /** For an edge with no transaction of its own (the operators' HTTP API). */
  read(path: string): Promise<CredentialDetails> {
    return this.unitOfWork.run((tx) => this.in(tx, path));
  }
}
