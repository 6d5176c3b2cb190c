import {
  CredentialRotateRequest,
  ErrorCode,
  HearthError,
  parseRequest,
  type CredentialRotation,
  type ParsedCredentialType,
  type SecretValues,
  type SealKeys,
} from '@hearth/contracts';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';
import { failpoint } from '@hearth/platform/runtime';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { Cipher, CredentialWorkStore, Passwords, RotationSubject, SecretRecords } from '../ports.js';
import type { SecretCommands } from '../secret-commands.js';
import { openVersion, rewriteOf } from './rotation-versions.js';
import type { TypeCatalog } from './type-catalog.js';
import { checkLimits, openValues, type WriteSecret } from '../write-secret/write-secret.js';

interface ParsedRotate {
  path: string;
  /** A USER credential's new values, opened; null for an AUTO_MANAGED one, whose value the vault makes. */
  values: SecretValues | null;
}

/** `write` on the path; a USER rotation's values arrive sealed to the vault exactly as a write's do. */
function rotateRule(sealKeys: SealKeys): AdmissionRule<ParsedRotate> {
  return {
    capability: 'write',
    parse: (payload) => {
      const { path, sealed_values: sealed } = parseRequest(CredentialRotateRequest, payload);
      if (sealed === undefined) return { path, values: null };
      const values = openValues(sealed, path, sealKeys);
      checkLimits(values);
      return { path, values };
    },
    path: (request) => request.path,
  };
}

/**
 * An AUTO_MANAGED credential's next value: its current values with a fresh `password`, so host, port,
 * username and database stay. Its driver sets a sidecar's one password: a credential without a
 * password field of that name (generic among them) has nothing the driver could apply.
 */
function rotatedValues(type: ParsedCredentialType, current: SecretValues, generate: () => string): SecretValues {
  const field = type.fields.find((f) => f.name === 'password' && f.kind === 'password');
  if (!field || current.password === undefined) {
    throw new HearthError(
      ErrorCode.RotationUnsupported,
      `a ${type.name} credential has no password its sidecar could take: rotate it by writing a new version`,
    );
  }
  return { ...current, password: generate() };
}

/**
 * Rotate. A USER credential: a new version of the caller's values, through the write's own path with
 * `promote` (written and promoted in one transaction). An AUTO_MANAGED credential, in two phases: the
 * vault makes the new value, decides the request, seals the value aside bound to (path, pending version)
 * and queues `rotate` work for the driver that wrote the current version — one transaction; the
 * driver's report promotes it (CredentialWork). A crash after the commit leaves all three for the driver.
 */
export class RotateCredential {
  private readonly rule: AdmissionRule<ParsedRotate>;

  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly writeSecret: Pick<WriteSecret, 'write'>,
    private readonly commands: Pick<SecretCommands, 'handle'>,
    private readonly work: Pick<CredentialWorkStore, 'subject' | 'insert'>,
    private readonly records: Pick<SecretRecords, 'keepPending'>,
    private readonly cipher: Pick<Cipher, 'seal' | 'open'>,
    private readonly passwords: Pick<Passwords, 'generate'>,
    private readonly ids: Ids,
    private readonly clock: Clock,
    private readonly types: Pick<TypeCatalog, 'resolve'>,
    sealKeys: SealKeys,
  ) {
    this.rule = rotateRule(sealKeys);
  }

  async run(signed: SignedRequest): Promise<CredentialRotation> {
    const rotation = await this.admission.run(signed, this.rule, async (tx, caller, { path, values }) => {
      const subject = await this.subjectOf(tx, path);
      const actor = caller.principal.name;
      if (subject.provider === 'USER') {
        if (values === null) {
          throw new HearthError(
            ErrorCode.InvalidRequest,
            `${path} is a USER credential: rotate it with its new sealed_values`,
          );
        }
        const { version } = await this.writeSecret.write(tx, actor, rewriteOf(subject, values), 'promote');
        return { path, state: 'promoted' as const, version };
      }
      if (values !== null) {
        throw new HearthError(
          ErrorCode.RotationUnsupported,
          `${path} is auto-managed: the vault makes its new value, so a rotation sends none`,
        );
      }
      return this.request(tx, subject, actor);
    });
    if (rotation.state === 'pending') failpoint('vault.rotation.after-request');
    return rotation;
  }

  /** The schedule's rotation of an AUTO_MANAGED credential, in the caller's transaction (its row locked). */
  async requestScheduled(tx: Transaction, path: string, actor: string): Promise<CredentialRotation> {
    return this.request(tx, await this.subjectOf(tx, path), actor);
  }

  private async subjectOf(tx: Transaction, path: string): Promise<RotationSubject> {
    const subject = await this.work.subject(path, tx);
    if (!subject?.sealed) throw new HearthError(ErrorCode.SecretNotFound, `no credential at ${path}`);
    return subject;
  }

  private async request(tx: Transaction, subject: RotationSubject, actor: string): Promise<CredentialRotation> {
    const { path, currentVersion } = subject;
    const current = openVersion(this.cipher, subject.sealed!, { path, version: currentVersion });
    const { type } = await this.types.resolve(subject.type, Object.keys(current));
    const next = Buffer.from(JSON.stringify(rotatedValues(type, current, this.passwords.generate)), 'utf8');
    try {
      const { events } = await this.commands.handle(
        tx,
        { type: 'RequestRotation', path, actor },
        async (inner, decided) => {
          for (const event of decided) {
            if (event.type !== 'CredentialRotatedV1') continue;
            const ref = { path, version: event.data.version };
            await this.records.keepPending(inner, ref, this.cipher.seal(next, ref));
          }
        },
      );
      const requested = events.find((e) => e.type === 'CredentialRotatedV1')!;
      const version = requested.data.version;
      await this.work.insert(
        tx,
        { id: this.ids.next(), kind: 'rotate', path, version, claimant: subject.createdBy },
        this.clock.now(),
      );
      return { path, state: 'pending', version };
    } finally {
      next.fill(0);
    }
  }
}
