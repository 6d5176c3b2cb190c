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
const written = (version: number, provider: 'USER' | 'AUTO_MANAGED' = 'AUTO_MANAGED'): SecretEvent => ({
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

  it('knows the workspace of a path', () => {
    expect(workspaceOf('hearth/acme')).toBe('acme');
    expect(workspaceOf('hearth/acme/db')).toBe('acme');
    expect(workspaceOf('sys/principals/x')).toBeNull();
  });
});
