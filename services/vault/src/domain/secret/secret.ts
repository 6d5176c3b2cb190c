import {
  ErrorCode,
  HearthError,
  type EventBody,
  type Provider,
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
  SecretVersionWrittenV1 | SecretVersionsDeletedV1 | SecretVersionsUndeletedV1 | SecretVersionsDestroyedV1
>;

export type SecretCommand =
  | {
      type: 'WriteSecret';
      path: string;
      provider: Provider;
      tags: Record<string, string>;
      description: string | null;
      expiresAt: string | null;
      valueNames: string[];
      cas: number | undefined;
      keepVersions: number;
      actor: string;
      now: string;
    }
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
  currentVersion: number;
  versions: ReadonlyMap<number, VersionState>;
}

export const initialSecretState: SecretState = { path: '', provider: null, currentVersion: 0, versions: new Map() };

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
      return { path: event.data.path, provider: event.data.provider, currentVersion: event.data.version, versions };
    case 'SecretVersionsDeletedV1':
      mark(event.data.versions, { deleted: true });
      return { ...state, versions };
    case 'SecretVersionsUndeletedV1':
      mark(event.data.versions, { deleted: false });
      return { ...state, versions };
    case 'SecretVersionsDestroyedV1':
      mark(event.data.versions, { destroyed: true });
      return { ...state, versions };
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
        },
      };
      const beyondRetention = [...state.versions.entries()]
        .filter(([v, s]) => !s.destroyed && v <= version - command.keepVersions)
        .map(([v]) => v);
      return beyondRetention.length === 0
        ? [written]
        : [
            written,
            {
              type: 'SecretVersionsDestroyedV1',
              data: { ...fact, versions: beyondRetention, by: command.actor, reason: 'retention' },
            },
          ];
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
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
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
