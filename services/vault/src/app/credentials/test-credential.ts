import {
  CredentialTestRequest,
  ErrorCode,
  HearthError,
  isSecretKind,
  parseRequest,
  SYSTEM_CREDENTIAL_TYPES,
  type CredentialTestResult,
  type ParsedCredentialType,
  type SecretMetadata,
  type TestStatus,
} from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import { NonceSeen, type Admission, type AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { SecretCommands } from '../secret-commands.js';
import type {
  Cipher,
  CredentialTesters,
  CredentialTypeStore,
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

/** The tag the driver puts on a credential it generated for a sidecar. */
const SIDECAR_TAG = 'provisioned_for_service';

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
    private readonly types: Pick<CredentialTypeStore, 'find'>,
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
          : await this.testOpened(path, version, stored.sealed, await this.typeOf(metadata));
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
    const type = SYSTEM_CREDENTIAL_TYPES.get(metadata.type) ?? (await this.types.find(metadata.type))?.type;
    if (!type?.tester) {
      throw new HearthError(
        ErrorCode.TestUnsupported,
        `a ${metadata.type} credential has no test: its type names no protocol to log in with`,
      );
    }
    return { ...type, tester: type.tester };
  }

  private async testOpened(
    path: string,
    version: number,
    sealed: SealedVersion,
    type: TestableType,
  ): Promise<{ status: TestStatus; message: string }> {
    const plaintext = this.cipher.open(sealed, { path, version });
    try {
      const values = JSON.parse(
        Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8'),
      ) as Record<string, string>;
      // Every value the type does not show in clear is scrubbed from the message (a field the type
      // no longer names included: only what is known to be metadata may appear).
      const shown = new Set(type.fields.filter((f) => !isSecretKind(f.kind)).map((f) => f.name));
      const secrets = Object.entries(values)
        .filter(([name]) => !shown.has(name))
        .map(([, value]) => value);
      return await this.testers.test(type.tester, values, secrets, this.timeouts.protocolMs);
    } finally {
      plaintext.fill(0);
    }
  }
}
