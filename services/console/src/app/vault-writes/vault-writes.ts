import {
  ErrorCode,
  HearthError,
  type CredentialRotateBody,
  type CredentialRotation,
  type CredentialTestResult,
  type CredentialWriteBody,
  type LeaseRenewBody,
  type LeaseRenewed,
  type LeasesRevoked,
  type SecretWritten,
  type VaultSealKey,
} from '@hearth/contracts';
import type { UnitOfWork } from '@hearth/platform/ports';
import type { VaultWrite } from '../../domain/operator/operator-audit.js';
import { authorize, type OperatorToken, type Permission } from '../../domain/operator/operator.js';
import type { OperatorAudit, VaultWriter } from '../ports.js';

/** Why the console makes no write to the vault: the settings it was not given. */
function unconfigured(setting: string): HearthError {
  return new HearthError(
    ErrorCode.VaultWritesUnconfigured,
    `the console makes no write to the vault without ${setting} (hearth init writes it; hearth up passes it)`,
  );
}

/**
 * An operator's write to the vault from the web console: a credential's test, rotation or write, a
 * lease's renewal or revocation. Authorised here by the operator's role, then carried to the vault
 * signed as the console's own principal (which holds no `read`), and recorded in HATCH as the
 * operator's, with the vault's answer. The vault's own refusal passes through as it came. A value
 * only ever passes sealed to the vault's seal key — by the browser, with its path — so the console
 * never holds one it could open.
 */
export class VaultWrites {
  constructor(
    /** Null when the console has no principal (CONSOLE_PRINCIPAL_KEY): every write is refused. */
    private readonly vault: VaultWriter | null,
    /** The vault's seal public key (VAULT_SEAL_PUBLIC_KEY), public: null when not configured. */
    private readonly sealPublicKey: string | null,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: Pick<OperatorAudit, 'vaultWritten'>,
  ) {}

  /** What the browser seals values to; any signed-in operator may have it. */
  sealKey(): VaultSealKey {
    if (this.sealPublicKey === null) throw unconfigured('VAULT_SEAL_PUBLIC_KEY');
    return { public_key: this.sealPublicKey };
  }

  testCredential(path: string, caller: OperatorToken): Promise<CredentialTestResult> {
    return this.carry(caller, 'credential.write', { type: 'CredentialTestAuditedV1', path }, (vault) =>
      vault.testCredential(path),
    );
  }

  rotateCredential(path: string, body: CredentialRotateBody, caller: OperatorToken): Promise<CredentialRotation> {
    return this.carry(caller, 'credential.write', { type: 'CredentialRotateAuditedV1', path }, (vault) =>
      vault.rotateSealed(path, body.sealed_values),
    );
  }

  writeCredential(path: string, body: CredentialWriteBody, caller: OperatorToken): Promise<SecretWritten> {
    return this.carry(caller, 'credential.write', { type: 'CredentialWriteAuditedV1', path }, (vault) =>
      vault.writeSealed({ ...body, path, provider: 'USER' }),
    );
  }

  renewLease(leaseId: string, body: LeaseRenewBody, caller: OperatorToken): Promise<LeaseRenewed> {
    return this.carry(caller, 'lease.write', { type: 'LeaseRenewAuditedV1', leaseId }, (vault) =>
      vault.renewLease(leaseId, body.ttl),
    );
  }

  revokeLease(leaseId: string, caller: OperatorToken): Promise<LeasesRevoked> {
    return this.carry(caller, 'lease.write', { type: 'LeaseRevokeAuditedV1', leaseId }, (vault) =>
      vault.revokeLease(leaseId),
    );
  }

  /**
   * Authorises, asks the vault, records the operator's action with the vault's answer, and answers
   * it. No answer at all (no vault listening, a timeout) is HEARTH.UNAVAILABLE: whether the vault
   * acted is unknown, and its own record says.
   */
  private async carry<T>(
    caller: OperatorToken,
    permission: Permission,
    write: VaultWrite,
    ask: (vault: VaultWriter) => Promise<T>,
  ): Promise<T> {
    authorize(caller, permission);
    if (this.vault === null) throw unconfigured('its vault principal (CONSOLE_PRINCIPAL_KEY)');
    let answer: T;
    try {
      answer = await ask(this.vault);
    } catch (error) {
      const refusal =
        error instanceof HearthError ? error : new HearthError(ErrorCode.Unavailable, 'the vault did not answer');
      await this.unitOfWork.run((tx) => this.audit.vaultWritten(tx, write, refusal.code, caller));
      throw refusal;
    }
    await this.unitOfWork.run((tx) => this.audit.vaultWritten(tx, write, null, caller));
    return answer;
  }
}
