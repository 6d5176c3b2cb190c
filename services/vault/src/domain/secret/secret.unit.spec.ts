import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '@hearth/testkit';
import { secretDecider, workspaceOf, type SecretCommand, type SecretEvent } from './secret.js';

const spec = deciderSpec(secretDecider);
const at = { path: 'hearth/acme', workspace_slug: 'acme' };
const NOW = '2026-11-22T10:00:00.000Z';

const write = (over: Partial<Extract<SecretCommand, { type: 'WriteSecret' }>> = {}): SecretCommand => ({
  type: 'WriteSecret',
  path: 'hearth/acme',
  provider: 'AUTO_MANAGED',
  tags: { provisioned_for_service: 'acme/postgres' },
  description: null,
  expiresAt: null,
  valueNames: ['POSTGRES_PASSWORD'],
  credentialType: 'generic',
  typeVersion: null,
  environment: 'production',
  fields: {},
  cas: undefined,
  keepVersions: 10,
  actor: 'driver',
  now: NOW,
  ...over,
});
const written = (
  version: number,
  provider: 'USER' | 'AUTO_MANAGED' = 'AUTO_MANAGED',
  over: Partial<Extract<SecretEvent, { type: 'SecretVersionWrittenV1' }>['data']> = {},
): SecretEvent => ({
  type: 'SecretVersionWrittenV1',
  data: {
    ...at,
    version,
    provider,
    tags: { provisioned_for_service: 'acme/postgres' },
    description: null,
    expires_at: null,
    value_names: ['POSTGRES_PASSWORD'],
    created_by: 'driver',
    created_at: NOW,
    type: 'generic',
    type_version: null,
    environment: 'production',
    fields: {},
    ...over,
  },
});
/** A version written by a release before credential types: no type, environment or fields. */
const writtenBeforeTypes = (version: number): SecretEvent => {
  const data: Record<string, unknown> = { ...written(version).data };
  for (const key of ['type', 'type_version', 'environment', 'fields']) delete data[key];
  return { type: 'SecretVersionWrittenV1', data } as SecretEvent;
};
const rotated = (
  step: 'requested' | 'applied' | 'promoted' | 'failed' | 'abandoned',
  version: number,
  extra: { reason?: string; by?: string; provider?: 'USER' | 'AUTO_MANAGED' } = {},
): SecretEvent => ({
  type: 'CredentialRotatedV1',
  data: {
    ...at,
    by: extra.by ?? 'driver',
    provider: extra.provider ?? 'AUTO_MANAGED',
    step,
    version,
    ...(extra.reason ? { reason: extra.reason } : {}),
  },
});
const byOp = { path: 'hearth/acme', actor: 'op' };
const remove = (versions: number[]): SecretCommand => ({ type: 'DeleteVersions', ...byOp, versions });
const restore = (versions: number[]): SecretCommand => ({ type: 'UndeleteVersions', ...byOp, versions });
const destroy = (versions: number[] | 'all'): SecretCommand => ({ type: 'DestroyVersions', ...byOp, versions });

describe('a secret', () => {
  it('gets version 1 on its first write, with the names of its values and no value', () => {
    spec
      .given([])
      .when(write())
      .then([written(1)]);
  });

  it('refuses a stale check-and-set, and takes a current one', () => {
    spec
      .given([written(1), written(2)])
      .when(write({ cas: 1 }))
      .thenThrows('VAULT.CAS_MISMATCH');
    spec
      .given([written(1), written(2)])
      .when(write({ cas: 2 }))
      .then([written(3)]);
    spec
      .given([])
      .when(write({ cas: 0 }))
      .then([written(1)]);
  });

  it('never lets AUTO_MANAGED overwrite USER', () => {
    spec
      .given([written(1, 'USER')])
      .when(write())
      .thenThrows('VAULT.PROVIDER_CONFLICT');
    spec
      .given([written(1, 'USER')])
      .when(write({ provider: 'USER' }))
      .then([written(2, 'USER')]);
  });

  it('shreds versions past retention when a write pushes them out', () => {
    spec
      .given([written(1), written(2)])
      .when(write({ keepVersions: 2 }))
      .then([
        written(3),
        {
          type: 'SecretVersionsDestroyedV1',
          data: { ...at, versions: [1], by: 'driver', reason: 'retention' },
        },
      ]);
  });

  it('deletes, undeletes and destroys only versions it has, once', () => {
    const deleted: SecretEvent = { type: 'SecretVersionsDeletedV1', data: { ...at, versions: [1], by: 'op' } };
    spec
      .given([written(1), written(2)])
      .when(remove([1, 1]))
      .then([deleted]);
    spec
      .given([written(1), written(2), deleted])
      .when(remove([1]))
      .then([]);
    spec
      .given([written(1), deleted])
      .when(remove([7]))
      .thenThrows('VAULT.SECRET_NOT_FOUND');
    spec
      .given([written(1), deleted])
      .when(restore([1]))
      .then([{ type: 'SecretVersionsUndeletedV1', data: { ...at, versions: [1], by: 'op' } }]);
    const destroyed: SecretEvent = {
      type: 'SecretVersionsDestroyedV1',
      data: { ...at, versions: [1, 2], by: 'op', reason: 'destroy' },
    };
    spec
      .given([written(1), written(2), deleted])
      .when(destroy('all'))
      .then([destroyed]);
    spec
      .given([written(1), written(2), deleted, destroyed])
      .when(restore([1]))
      .then([]);
    spec
      .given([written(1), written(2), destroyed])
      .when(destroy([2]))
      .then([]);
  });

  it('cannot change versions of a path never written', () => {
    spec.given([]).when(destroy('all')).thenThrows('VAULT.SECRET_NOT_FOUND');
  });

  it('records its type, environment and metadata fields, and keeps its type for the life of the path', () => {
    spec
      .given([])
      .when(
        write({
          provider: 'USER',
          credentialType: 'acme_api',
          typeVersion: 2,
          environment: 'staging',
          valueNames: ['key', 'url'],
          fields: { url: 'https://api.acme.test' },
        }),
      )
      .then([
        written(1, 'USER', {
          type: 'acme_api',
          type_version: 2,
          environment: 'staging',
          value_names: ['key', 'url'],
          fields: { url: 'https://api.acme.test' },
        }),
      ]);
    spec
      .given([written(1, 'USER', { type: 'postgres' })])
      .when(write({ provider: 'USER', credentialType: 'redis' }))
      .thenThrows('VAULT.TYPE_CONFLICT');
    // A secret of an earlier release is generic: a generic write goes on, and a typed one gives it its type…
    spec
      .given([writtenBeforeTypes(1)])
      .when(write())
      .then([written(2)]);
    spec
      .given([writtenBeforeTypes(1)])
      .when(write({ credentialType: 'postgres' }))
      .then([written(2, 'AUTO_MANAGED', { type: 'postgres' })]);
    // …which it then keeps: a typed credential never becomes generic again.
    spec
      .given([writtenBeforeTypes(1), written(2, 'AUTO_MANAGED', { type: 'postgres' })])
      .when(write())
      .thenThrows('VAULT.TYPE_CONFLICT');
  });

  it('is deactivated and activated once each way, and only once written', () => {
    const deactivate: SecretCommand = { type: 'SetActive', ...byOp, active: false };
    const activate: SecretCommand = { type: 'SetActive', ...byOp, active: true };
    const deactivated: SecretEvent = { type: 'CredentialDeactivatedV1', data: { ...at, by: 'op' } };
    spec
      .given([written(1)])
      .when(deactivate)
      .then([deactivated]);
    spec
      .given([written(1), deactivated])
      .when(deactivate)
      .then([]);
    spec
      .given([written(1), deactivated])
      .when(activate)
      .then([{ type: 'CredentialActivatedV1', data: { ...at, by: 'op' } }]);
    spec
      .given([written(1)])
      .when(activate)
      .then([]);
    spec.given([]).when(deactivate).thenThrows('VAULT.SECRET_NOT_FOUND');
  });

  it('records a test of a version with its type, status and message', () => {
    const test: SecretCommand = {
      type: 'RecordTest',
      ...byOp,
      version: 1,
      status: 'FAILED',
      message: 'password authentication failed for user app',
      now: NOW,
    };
    spec
      .given([written(1, 'USER', { type: 'postgres' })])
      .when(test)
      .then([
        {
          type: 'CredentialTestedV1',
          data: {
            ...at,
            by: 'op',
            version: 1,
            type: 'postgres',
            outcome: 'FAILED',
            message: 'password authentication failed for user app',
            tested_at: NOW,
          },
        },
      ]);
    spec.given([]).when(test).thenThrows('VAULT.SECRET_NOT_FOUND');
  });

  it('schedules rotation of a generated credential only, and clears any schedule', () => {
    const schedule = (everyDays: number | null): SecretCommand => ({
      type: 'ScheduleRotation',
      ...byOp,
      everyDays,
      now: NOW,
    });
    spec
      .given([written(1)])
      .when(schedule(30))
      .then([
        {
          type: 'CredentialScheduleSetV1',
          data: { ...at, by: 'op', every_days: 30, next_rotation_at: '2026-12-22T10:00:00.000Z' },
        },
      ]);
    spec
      .given([written(1, 'USER')])
      .when(schedule(30))
      .thenThrows('VAULT.ROTATION_UNSUPPORTED');
    spec
      .given([written(1, 'USER')])
      .when(schedule(null))
      .then([{ type: 'CredentialScheduleSetV1', data: { ...at, by: 'op', every_days: null, next_rotation_at: null } }]);
    spec.given([]).when(schedule(30)).thenThrows('VAULT.SECRET_NOT_FOUND');
  });

  it('requests a rotation of a generated credential to the next version, one at a time', () => {
    const request: SecretCommand = { type: 'RequestRotation', ...byOp };
    spec
      .given([written(1), written(2)])
      .when(request)
      .then([rotated('requested', 3, { by: 'op' })]);
    spec
      .given([written(1, 'USER')])
      .when(request)
      .thenThrows('VAULT.ROTATION_UNSUPPORTED');
    spec
      .given([written(1), rotated('requested', 2)])
      .when(request)
      .thenThrows('VAULT.ROTATION_IN_PROGRESS');
    // Settled the rotation no longer blocks the next one.
    spec
      .given([written(1), rotated('requested', 2), rotated('abandoned', 2)])
      .when(request)
      .then([rotated('requested', 2, { by: 'op' })]);
    spec.given([]).when(request).thenThrows('VAULT.SECRET_NOT_FOUND');
  });

  it('settles only the rotation that is pending', () => {
    const settle = (version: number, outcome: 'applied' | 'failed' | 'abandoned', reason = ''): SecretCommand => ({
      type: 'SettleRotation',
      ...byOp,
      version,
      outcome,
      reason,
    });
    const pending = [written(1), rotated('requested', 2)];
    spec
      .given(pending)
      .when(settle(2, 'applied'))
      .then([rotated('applied', 2, { by: 'op' })]);
    spec
      .given(pending)
      .when(settle(2, 'failed', 'neither value logs in'))
      .then([rotated('failed', 2, { by: 'op', reason: 'neither value logs in' })]);
    spec.given(pending).when(settle(3, 'abandoned')).thenThrows('VAULT.WORK_NOT_FOUND');
    spec
      .given([written(1)])
      .when(settle(2, 'abandoned'))
      .thenThrows('VAULT.WORK_NOT_FOUND');
  });

  it('promotes a rotation: a USER credential at once, a generated one only its pending version', () => {
    spec
      .given([written(1, 'USER')])
      .when(write({ provider: 'USER', rotation: 'promote' }))
      .then([written(2, 'USER', { rotated_from: 1 }), rotated('promoted', 2, { provider: 'USER' })]);
    spec
      .given([written(1), rotated('requested', 2)])
      .when(write({ rotation: 'promote' }))
      .then([written(2, 'AUTO_MANAGED', { rotated_from: 1 }), rotated('promoted', 2)]);
    spec
      .given([written(1)])
      .when(write({ rotation: 'promote' }))
      .thenThrows('VAULT.WORK_NOT_FOUND');
  });

  it('abandons a pending rotation when another version is written (the sidecar was made anew)', () => {
    spec
      .given([written(1), rotated('requested', 2)])
      .when(write())
      .then([rotated('abandoned', 2, { reason: 'a new version was written' }), written(2)]);
  });

  it('refuses, while a rotation is in flight, a write by anyone but the driver that applies it', () => {
    // The sidecar may already hold the pending value: an operator's version would strand it.
    spec
      .given([written(1), rotated('requested', 2)])
      .when(write({ actor: 'ops' }))
      .thenThrows('VAULT.ROTATION_IN_PROGRESS');
  });

  it('starts no rotation of a deactivated credential', () => {
    spec
      .given([written(1), { type: 'CredentialDeactivatedV1', data: { ...at, by: 'ops' } }])
      .when({ type: 'RequestRotation', path: 'hearth/acme', actor: 'ops' })
      .thenThrows('VAULT.CREDENTIAL_INACTIVE');
  });

  it('knows the workspace of a path', () => {
    expect(workspaceOf('hearth/acme')).toBe('acme');
    expect(workspaceOf('hearth/acme/db')).toBe('acme');
    expect(workspaceOf('sys/principals/x')).toBeNull();
  });
});
