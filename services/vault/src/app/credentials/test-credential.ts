import {
  CredentialTestRequest,
  ErrorCode,
  HearthError,
  parseRequest,
  SIDECAR_TAG,
  type CredentialTestResult,
  type ParsedCredentialType,
  type SecretMetadata,
  type TestStatus,
} from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import { NonceSeen, type Admission, type AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCommands } from '../secret-commands.js';
import { openVersion } from './rotation-versions.js';
import type { TypeCatalog } from './type-catalog.js';
import type {
  Cipher,
  CredentialTesters,
  Nonces,
  SealedVersion,
  SecretCatalog,
  SecretVersions,
  SidecarChecks,
} from '../ports.js';

type TestableType = ParsedCredentialType & { tester: NonNullable<ParsedCredentialType['tester']> };

const test: AdmissionRule<{ path: string }> = {
  capability: 'write',
  parse: (payload) => parseRequest(CredentialTestRequest, payload),
  path: (request) => request.path,
};

/**
 * Test a credential: open its current version and log in with it (a sidecar's generated credential
 * is checked by the driver that made it, whose network reaches the sidecar), then record the outcome
 * as CredentialTestedV1 (HATCH `credential.test`) and in the secret's metadata. A deactivated or
 * expired credential is tested all the same: finding out whether it still works is the point.
 *
 * No transaction waits on the remote server: the test runs first, then its outcome is committed with
 * the request's nonce (as a read commits its record). A replay inside the freshness window may so
 * repeat a login against the credential's own server, never record it twice; a refusal found before
 * the test (no such credential, no test for its type) is recorded as any refusal is.
 */
export class TestCredential {
  constructor(
    private readonly admission: Pick<Admission, 'runKeepingNonce'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly nonces: Pick<Nonces, 'remember'>,
    private readonly catalog: Pick<SecretCatalog, 'find'>,
    private readonly versions: SecretVersions,
    private readonly cipher: Pick<Cipher, 'open'>,
    private readonly types: Pick<TypeCatalog, 'resolve'>,
    private readonly testers: CredentialTesters,
    private readonly sidecars: SidecarChecks,
    private readonly commands: Pick<SecretCommands, 'handle'>,
    private readonly clock: Clock,
    /** A protocol test's timeout, and how long a sidecar's check may wait for its driver. */
    private readonly timeouts: { protocolMs: number; sidecarMs: number },
  ) {}

  run(signed: SignedRequest): Promise<CredentialTestResult> {
    return this.admission.runKeepingNonce(signed, test, async (caller, { path }) => {
      const actor = caller.principal.name;
      const metadata = await this.catalog.find(path);
      const stored = await this.versions.findForRead(path, undefined);
      if (!metadata || !stored || stored.deleted || stored.destroyed || !stored.sealed) {
        throw new HearthError(ErrorCode.SecretNotFound, `no credential to test at ${path}`);
      }
      const { version } = stored;
      const outcome =
        metadata.provider === 'AUTO_MANAGED' && metadata.tags[SIDECAR_TAG]
          ? await this.sidecars.check(path, version, this.timeouts.sidecarMs)
          : await this.testOpened(metadata, version, stored.sealed, await this.typeOf(metadata));
      const now = this.clock.now().toISOString();
      await this.unitOfWork.run(async (tx) => {
        if (!(await this.nonces.remember(tx, actor, caller.nonce))) throw new NonceSeen();
        await this.commands.handle(tx, { type: 'RecordTest', path, version, ...outcome, actor, now });
      });
      return { path, version, ...outcome, tested_at: now };
    });
  }

  /** The credential's type, system or custom; a type without a tester (generic among them) cannot be tested. */
  private async typeOf(metadata: SecretMetadata): Promise<TestableType> {
    const { type } = await this.types.resolve(metadata.type, metadata.value_names);
    if (!type.tester) {
      throw new HearthError(
        ErrorCode.TestUnsupported,
        `a ${metadata.type} credential has no test: its type names no protocol to log in with`,
      );
    }
    return { ...type, tester: type.tester };
  }

  private async testOpened(
    metadata: SecretMetadata,
    version: number,
    sealed: SealedVersion,
    type: TestableType,
  ): Promise<{ status: TestStatus; message: string }> {
    const values = openVersion(this.cipher, sealed, { path: metadata.path, version });
    // Every value the credential was not written to show in clear is scrubbed from the message: what
    // its write kept as metadata, not what its type says today (a custom type redefined to show a
    // password field does not unmask the values written under the earlier version).
    const secrets = Object.entries(values)
      .filter(([name]) => !(name in metadata.fields))
      .map(([, value]) => value);
    return this.testers.test(type.tester, values, secrets, this.timeouts.protocolMs);
  }
}
