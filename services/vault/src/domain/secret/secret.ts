import {
  ErrorCode,
  GENERIC_TYPE,
  HearthError,
  type CredentialActivatedV1,
  type CredentialDeactivatedV1,
  type CredentialRotatedV1,
  type CredentialScheduleSetV1,
  type CredentialTestedV1,
  type EventBody,
  type Provider,
  type TestStatus,
  type SecretVersionsDeletedV1,
  type SecretVersionsDestroyedV1,
  type SecretVersionsUndeletedV1,
  type SecretVersionWrittenV1,
} from '@hearth/contracts';
import type { Decider } from '@hearth/platform/ports';

/**
 * Facts about a secret path, typed by their contracts. None carries a value: ciphertext lives beside
 * the events, and the events themselves go to HATCH as they are.
 */
export type SecretEvent = EventBody<
  | SecretVersionWrittenV1
  | SecretVersionsDeletedV1
  | SecretVersionsUndeletedV1
  | SecretVersionsDestroyedV1
  | CredentialDeactivatedV1
  | CredentialActivatedV1
  | CredentialTestedV1
  | CredentialRotatedV1
  | CredentialScheduleSetV1
>;

/** A rotation's steps after `requested`, each for the pending version it names. */
export type RotationOutcome = 'applied' | 'failed' | 'abandoned';

export type SecretCommand =
  | {
      type: 'WriteSecret';
      path: string;
      provider: Provider;
      tags: Record<string, string>;
      description: string | null;
      expiresAt: string | null;
      valueNames: string[];
      /** The credential type the values were checked against, and a custom type's version. */
      credentialType: string;
      typeVersion: number | null;
      environment: string;
      /** The type's metadata fields (never a secret kind's value). */
      fields: Record<string, string>;
      cas: number | undefined;
      keepVersions: number;
      /**
       * `promote`: this version is a rotation's — a USER credential's new value, or an AUTO_MANAGED
       * one's pending version once its sidecar took it. Any other write during a pending rotation
       * abandons the rotation (the driver made a new sidecar and value).
       */
      rotation?: 'promote';
      actor: string;
      now: string;
    }
  | { type: 'SetActive'; path: string; active: boolean; actor: string }
  | {
      type: 'RecordTest';
      path: string;
      version: number;
      status: TestStatus;
      message: string;
      actor: string;
      now: string;
    }
  | { type: 'ScheduleRotation'; path: string; everyDays: number | null; actor: string; now: string }
  | { type: 'RequestRotation'; path: string; actor: string }
  | { type: 'SettleRotation'; path: string; version: number; outcome: RotationOutcome; reason: string; actor: string }
  | { type: 'DeleteVersions'; path: string; versions: number[]; actor: string }
  | { type: 'UndeleteVersions'; path: string; versions: number[]; actor: string }
  | { type: 'DestroyVersions'; path: string; versions: number[] | 'all'; actor: string };

export interface VersionState {
  deleted: boolean;
  destroyed: boolean;
}

export interface SecretState {
  path: string;
  provider: Provider | null;
  /** The credential type, fixed for the path's life once written. */
  credentialType: string | null;
  currentVersion: number;
  versions: ReadonlyMap<number, VersionState>;
  active: boolean;
  /** The version a rotation in flight will promote. */
  pendingVersion: number | null;
  /** Who wrote the current version: for a generated credential, the driver that applies its rotations. */
  writtenBy: string | null;
}

export const initialSecretState: SecretState = {
  path: '',
  provider: null,
  credentialType: null,
  currentVersion: 0,
  versions: new Map(),
  active: true,
  pendingVersion: null,
  writtenBy: null,
};

/** `hearth/<slug>/…` belongs to workspace `<slug>`; other paths to none. */
export function workspaceOf(path: string): string | null {
  const [mount, slug] = path.split('/');
  return mount === 'hearth' && slug ? slug : null;
}

export function evolveSecret(state: SecretState, event: SecretEvent): SecretState {
  const versions = new Map(state.versions);
  const mark = (list: number[], change: Partial<VersionState>) => {
    for (const v of list) {
      const current = versions.get(v);
      if (current) versions.set(v, { ...current, ...change });
    }
  };
  switch (event.type) {
    case 'SecretVersionWrittenV1':
      versions.set(event.data.version, { deleted: false, destroyed: false });
      return {
        ...state,
        path: event.data.path,
        provider: event.data.provider,
        credentialType: event.data.type ?? GENERIC_TYPE,
        currentVersion: event.data.version,
        versions,
        writtenBy: event.data.created_by,
      };
    case 'SecretVersionsDeletedV1':
      mark(event.data.versions, { deleted: true });
      return { ...state, versions };
    case 'SecretVersionsUndeletedV1':
      mark(event.data.versions, { deleted: false });
      return { ...state, versions };
    case 'SecretVersionsDestroyedV1':
      mark(event.data.versions, { destroyed: true });
      return { ...state, versions };
    case 'CredentialDeactivatedV1':
      return { ...state, active: false };
    case 'CredentialActivatedV1':
      return { ...state, active: true };
    case 'CredentialRotatedV1': {
      const { step, version } = event.data;
      if (step === 'requested') return { ...state, pendingVersion: version };
      // Applied is not yet promoted, and a failed rotation is tried again: still pending either way.
      return step === 'promoted' || step === 'abandoned' ? { ...state, pendingVersion: null } : state;
    }
    case 'CredentialTestedV1':
    case 'CredentialScheduleSetV1':
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideSecret(command: SecretCommand, state: SecretState): SecretEvent[] {
  const fact = { path: command.path, workspace_slug: workspaceOf(command.path) };
  switch (command.type) {
    case 'WriteSecret': {
      if (command.cas !== undefined && command.cas !== state.currentVersion) {
        throw new HearthError(
          ErrorCode.CasMismatch,
          `check-and-set expected version ${command.cas}, the path is at ${state.currentVersion}`,
        );
      }
      if (state.provider === 'USER' && command.provider === 'AUTO_MANAGED') {
        throw new HearthError(
          ErrorCode.ProviderConflict,
          `${command.path} holds a USER credential; it is never overwritten by an AUTO_MANAGED one`,
        );
      }
      // A USER version over a generated one would let whoever wrote it read the path's versions as a
      // USER secret, and keep the path from being destroyed as a generated one on deprovision.
      if (state.provider === 'AUTO_MANAGED' && command.provider === 'USER') {
        throw new HearthError(
          ErrorCode.ProviderConflict,
          `${command.path} holds an AUTO_MANAGED credential; it is never overwritten by a USER one`,
        );
      }
      // A type is fixed once given. An untyped (generic) secret may be given one — a secret of an earlier
      // release, or a sidecar's credential a driver of that release wrote, becomes typed by its next write —
      // but a typed one never loses or changes its type.
      if (
        state.credentialType !== null &&
        state.credentialType !== GENERIC_TYPE &&
        state.credentialType !== command.credentialType
      ) {
        throw new HearthError(
          ErrorCode.TypeConflict,
          `${command.path} is a ${state.credentialType} credential; its type does not change (write another path)`,
        );
      }
      if (
        command.rotation === 'promote' &&
        state.provider === 'AUTO_MANAGED' &&
        state.pendingVersion !== state.currentVersion + 1
      ) {
        throw new HearthError(ErrorCode.WorkNotFound, `no rotation of ${command.path} is waiting to be promoted`);
      }
      // While a rotation is in flight its sidecar may already hold the new value: only the driver that
      // applies it may write (re-provisioning a sidecar with a value of its own ends the rotation).
      if (state.pendingVersion !== null && command.rotation !== 'promote' && command.actor !== state.writtenBy) {
        throw new HearthError(
          ErrorCode.RotationInProgress,
          `a rotation of ${command.path} to version ${state.pendingVersion} is in flight; write once it is promoted or abandoned`,
        );
      }
      const version = state.currentVersion + 1;
      const written: SecretEvent = {
        type: 'SecretVersionWrittenV1',
        data: {
          ...fact,
          version,
          provider: command.provider,
          tags: command.tags,
          description: command.description,
          expires_at: command.expiresAt,
          value_names: command.valueNames,
          created_by: command.actor,
          created_at: command.now,
          type: command.credentialType,
          type_version: command.typeVersion,
          environment: command.environment,
          fields: command.fields,
          ...(command.rotation === 'promote' && state.currentVersion > 0 ? { rotated_from: state.currentVersion } : {}),
        },
      };
      const rotation = { ...fact, by: command.actor, provider: command.provider };
      const before: SecretEvent[] =
        state.pendingVersion !== null && command.rotation !== 'promote'
          ? [
              {
                type: 'CredentialRotatedV1',
                data: {
                  ...rotation,
                  step: 'abandoned',
                  version: state.pendingVersion,
                  reason: 'a new version was written',
                },
              },
            ]
          : [];
      const after: SecretEvent[] =
        command.rotation === 'promote'
          ? [{ type: 'CredentialRotatedV1', data: { ...rotation, step: 'promoted', version } }]
          : [];
      const beyondRetention = [...state.versions.entries()]
        .filter(([v, s]) => !s.destroyed && v <= version - command.keepVersions)
        .map(([v]) => v);
      const retention: SecretEvent[] =
        beyondRetention.length === 0
          ? []
          : [
              {
                type: 'SecretVersionsDestroyedV1',
                data: { ...fact, versions: beyondRetention, by: command.actor, reason: 'retention' },
              },
            ];
      return [...before, written, ...after, ...retention];
    }
    case 'DeleteVersions':
      return changeVersions(state, command.versions, (s) => !s.deleted && !s.destroyed, {
        type: 'SecretVersionsDeletedV1',
        data: { ...fact, versions: [], by: command.actor },
      });
    case 'UndeleteVersions':
      return changeVersions(state, command.versions, (s) => s.deleted && !s.destroyed, {
        type: 'SecretVersionsUndeletedV1',
        data: { ...fact, versions: [], by: command.actor },
      });
    case 'DestroyVersions': {
      const versions = command.versions === 'all' ? [...state.versions.keys()] : command.versions;
      return changeVersions(state, versions, (s) => !s.destroyed, {
        type: 'SecretVersionsDestroyedV1',
        data: { ...fact, versions: [], by: command.actor, reason: 'destroy' },
      });
    }
    case 'SetActive': {
      exists(state);
      if (state.active === command.active) return [];
      const data = { ...fact, by: command.actor };
      return [command.active ? { type: 'CredentialActivatedV1', data } : { type: 'CredentialDeactivatedV1', data }];
    }
    case 'RecordTest':
      exists(state);
      return [
        {
          type: 'CredentialTestedV1',
          data: {
            ...fact,
            by: command.actor,
            version: command.version,
            type: state.credentialType ?? GENERIC_TYPE,
            outcome: command.status,
            message: command.message,
            tested_at: command.now,
          },
        },
      ];
    case 'ScheduleRotation': {
      exists(state);
      if (command.everyDays !== null && state.provider !== 'AUTO_MANAGED') {
        throw new HearthError(
          ErrorCode.RotationUnsupported,
          `${command.path} is a USER credential: it rotates when its owner writes a new version, not on a schedule`,
        );
      }
      const next =
        command.everyDays === null
          ? null
          : new Date(Date.parse(command.now) + command.everyDays * 86_400_000).toISOString();
      return [
        {
          type: 'CredentialScheduleSetV1',
          data: { ...fact, by: command.actor, every_days: command.everyDays, next_rotation_at: next },
        },
      ];
    }
    case 'RequestRotation':
      exists(state);
      if (state.provider !== 'AUTO_MANAGED') {
        throw new HearthError(
          ErrorCode.RotationUnsupported,
          `${command.path} is a USER credential: rotate it with its new value`,
        );
      }
      // A deactivated credential is read by no one: it gets no new value either (one in flight still
      // completes, so that its sidecar and the vault keep agreeing).
      if (!state.active) {
        throw new HearthError(ErrorCode.CredentialInactive, `${command.path} is deactivated: activate it to rotate it`);
      }
      if (state.pendingVersion !== null) {
        throw new HearthError(
          ErrorCode.RotationInProgress,
          `a rotation of ${command.path} to version ${state.pendingVersion} is in flight`,
        );
      }
      return [
        {
          type: 'CredentialRotatedV1',
          data: {
            ...fact,
            by: command.actor,
            provider: 'AUTO_MANAGED',
            step: 'requested',
            version: state.currentVersion + 1,
          },
        },
      ];
    case 'SettleRotation':
      exists(state);
      if (state.pendingVersion !== command.version) {
        throw new HearthError(
          ErrorCode.WorkNotFound,
          `no rotation of ${command.path} to version ${command.version} is pending`,
        );
      }
      return [
        {
          type: 'CredentialRotatedV1',
          data: {
            ...fact,
            by: command.actor,
            provider: 'AUTO_MANAGED',
            step: command.outcome,
            version: command.version,
            ...(command.reason ? { reason: command.reason } : {}),
          },
        },
      ];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function exists(state: SecretState): void {
  if (state.currentVersion === 0) throw new HearthError(ErrorCode.SecretNotFound, 'no such credential');
}

/** One event for the versions the change applies to; nothing when none does (a repeat is harmless). */
function changeVersions<E extends Extract<SecretEvent, { data: { versions: number[] } }>>(
  state: SecretState,
  requested: number[],
  applies: (s: VersionState) => boolean,
  event: E,
): SecretEvent[] {
  if (state.currentVersion === 0) throw new HearthError(ErrorCode.SecretNotFound, 'no such secret');
  const unknown = requested.filter((v) => !state.versions.has(v));
  if (unknown.length > 0) throw new HearthError(ErrorCode.SecretNotFound, `no version ${unknown.join(', ')}`);
  const versions = [...new Set(requested)].filter((v) => applies(state.versions.get(v)!)).sort((a, b) => a - b);
  return versions.length === 0 ? [] : [{ ...event, data: { ...event.data, versions } } as SecretEvent];
}

export const secretDecider: Decider<SecretCommand, SecretEvent, SecretState> = {
  decide: decideSecret,
  evolve: evolveSecret,
  initialState: initialSecretState,
};

export function secretStream(path: string): string {
  return `secret-${path}`;
}
