import {
  checkCredentialFields,
  ErrorCode,
  GENERIC_TYPE,
  HearthError,
  InvalidFieldsError,
  metadataFieldsOf,
  openSealedToVault,
  parseRequest,
  SealedValues,
  SECRET_LIMITS,
  SecretWriteRequest,
  type ParsedSecretWrite,
  type SealKeys,
  type SecretValues,
  type SecretWritten,
} from '@hearth/contracts';
import type { Clock, Transaction } from '@hearth/platform/ports';
import type { SecretCommand } from '../../domain/secret/secret.js';
import type { ResolvedType, TypeCatalog } from '../credentials/type-catalog.js';
import type { Admission, AdmissionRule } from '../admission/admission.js';
import type { SignedRequest } from '../admission/caller-identity.js';
import type { Cipher, SecretRecords } from '../ports.js';
import { sealWrittenVersions, type SecretCommands } from '../secret-commands.js';

/** Refuses values past the documented limits before anything is decided or written. */
export function checkLimits(values: SecretValues): void {
  const entries = Object.entries(values);
  const sizes = entries.map(([, v]) => Buffer.byteLength(v, 'utf8'));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (
    entries.length === 0 ||
    entries.length > SECRET_LIMITS.values ||
    sizes.some((s) => s > SECRET_LIMITS.valueBytes) ||
    total > SECRET_LIMITS.totalBytes
  ) {
    throw new HearthError(
      ErrorCode.ValueTooLarge,
      `a secret holds 1-${SECRET_LIMITS.values} values of at most ${SECRET_LIMITS.valueBytes} bytes, ${SECRET_LIMITS.totalBytes} in all`,
    );
  }
}

/** A write's values as its type has them: checked field by field, defaults applied, and which are metadata. */
export interface TypedValues {
  values: SecretValues;
  /** The type's non-secret fields, kept in clear beside the sealed version. */
  fields: Record<string, string>;
}

/**
 * Checks `values` against their type. A generic secret's values are the caller's own names, all
 * secret, kept as given (its limits were checked with the write); any other type's are refused with
 * one entry per failing field — its name and code, never its value.
 */
export function typedValuesOf({ type }: ResolvedType, values: SecretValues): TypedValues {
  if (type.name === GENERIC_TYPE) return { values, fields: {} };
  const checked = checkCredentialFields(type, values);
  if (checked.values === null) {
    throw new InvalidFieldsError(
      `the values are not a valid ${type.name} credential: ${checked.errors.map((e) => `${e.field}: ${e.code}`).join(', ')}`,
      checked.errors,
    );
  }
  return { values: checked.values, fields: metadataFieldsOf(type, checked.values) };
}

/**
 * A write's values arrive sealed to the vault's seal key with the path they are for: a value in
 * clear is refused before anything else is looked at, and a box that does not open, or opens for
 * another path (lifted from another request), is refused too.
 */
function writeRule(sealKeys: SealKeys): AdmissionRule<ParsedSecretWrite> {
  return {
    capability: 'write',
    parse: (payload) => {
      if (typeof payload === 'object' && payload !== null && 'values' in payload) {
        throw new HearthError(ErrorCode.UnsealedValue, "a write's values must be sealed to the vault's seal key");
      }
      const { sealed_values: sealed, ...request } = parseRequest(SecretWriteRequest, payload);
      const values = openValues(sealed, request.path, sealKeys);
      checkLimits(values);
      return { ...request, values };
    },
    path: (request) => request.path,
  };
}

/** Opens values sealed to the vault for `path` (a write's, a USER rotation's): VAULT.BAD_SEAL otherwise. */
export function openValues(sealed: string, path: string, sealKeys: SealKeys): SecretValues {
  let plaintext: Uint8Array;
  try {
    plaintext = openSealedToVault(Buffer.from(sealed, 'base64'), sealKeys);
  } catch {
    throw new HearthError(ErrorCode.BadSeal, "the values are not sealed to this vault's seal key");
  }
  let opened: SealedValues | undefined;
  try {
    opened = SealedValues.safeParse(JSON.parse(Buffer.from(plaintext).toString('utf8'))).data;
  } catch {
    opened = undefined;
  } finally {
    plaintext.fill(0);
  }
  if (opened?.path !== path) throw new HearthError(ErrorCode.BadSeal, 'the sealed values are not for this path');
  return opened.values;
}

/**
 * A new version of a secret: decided on the path's stream with check-and-set, its values sealed
 * under a fresh DEK in the same transaction, versions past retention crypto-shredded.
 */
export class WriteSecret {
  private readonly rule: AdmissionRule<ParsedSecretWrite>;

  constructor(
    private readonly admission: Pick<Admission, 'run'>,
    private readonly commands: Pick<SecretCommands, 'handle'>,
    private readonly records: Pick<SecretRecords, 'insertVersion'>,
    private readonly cipher: Pick<Cipher, 'seal'>,
    private readonly clock: Clock,
    private readonly keepVersions: number,
    sealKeys: SealKeys,
    private readonly types: Pick<TypeCatalog, 'resolve'>,
  ) {
    this.rule = writeRule(sealKeys);
  }

  run(signed: SignedRequest): Promise<SecretWritten> {
    return this.admission.run(signed, this.rule, (tx, caller, request) =>
      this.write(tx, caller.principal.name, request),
    );
  }

  /**
   * The write itself, in `tx`, of values already opened and checked against their type: a caller's
   * write, or a rotation's new version (`promote`: a USER credential's new value, or an AUTO_MANAGED
   * one's pending value its sidecar took).
   */
  async write(
    tx: Transaction,
    actor: string,
    request: ParsedSecretWrite,
    rotation?: 'promote',
  ): Promise<SecretWritten> {
    // A schedule is for a value the vault makes; a USER credential rotates when its owner writes one.
    if (request.rotation_days != null && request.provider !== 'AUTO_MANAGED') {
      throw new HearthError(
        ErrorCode.RotationUnsupported,
        `${request.path} is a USER credential: it rotates when its owner writes a new version, not on a schedule`,
      );
    }
    const resolved = await this.types.resolve(request.type, Object.keys(request.values));
    const { values, fields } = typedValuesOf(resolved, request.values);
    const now = this.clock.now().toISOString();
    const command: SecretCommand = {
      type: 'WriteSecret',
      path: request.path,
      provider: request.provider,
      tags: request.tags,
      description: request.description ?? null,
      expiresAt: request.expires_at ?? null,
      valueNames: Object.keys(values).sort(),
      credentialType: resolved.type.name,
      typeVersion: resolved.version,
      environment: request.environment,
      fields,
      cas: request.cas,
      keepVersions: this.keepVersions,
      ...(rotation ? { rotation } : {}),
      actor,
      now,
    };
    const { state } = await this.commands.handle(tx, command, (inner, events) =>
      sealWrittenVersions(inner, events, values, this.cipher, this.records),
    );
    if (request.rotation_days !== undefined) {
      await this.commands.handle(tx, {
        type: 'ScheduleRotation',
        path: request.path,
        everyDays: request.rotation_days,
        actor,
        now,
      });
    }
    return { path: request.path, version: state.currentVersion };
  }
}
