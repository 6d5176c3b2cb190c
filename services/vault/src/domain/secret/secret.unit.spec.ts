import { describe, expect, it } from '@jest/globals';
import {
  decideSecret,
  evolveSecret,
  initialSecretState,
  workspaceOf,
  type SecretCommand,
  type SecretEvent,
} from './secret.js';

const write = (over: Partial<Extract<SecretCommand, { type: 'WriteSecret' }>> = {}): SecretCommand => ({
  type: 'WriteSecret',
  path: 'hearth/acme',
  provider: 'AUTO_MANAGED',
  tags: { provisioned_for_service: 'acme/postgres' },
  description: null,
  expiresAt: null,
  valueNames: ['POSTGRES_PASSWORD'],
  cas: undefined,
  keepVersions: 10,
  actor: 'driver',
  now: '2026-11-22T10:00:00.000Z',
  ...over,
});

const given = (commands: SecretCommand[]) => {
  let state = initialSecretState;
  for (const command of commands) state = decideSecret(command, state).reduce(evolveSecret, state);
  return state;
};

describe('a secret', () => {
  it('gets version 1 on its first write, with no value in the event', () => {
    const events = decideSecret(write(), initialSecretState);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'SecretVersionWrittenV1',
      data: { version: 1, workspace_slug: 'acme', value_names: ['POSTGRES_PASSWORD'] },
    });
  });

  it('refuses a stale check-and-set', () => {
    const state = given([write(), write()]);
    expect(() => decideSecret(write({ cas: 1 }), state)).toThrow(
      expect.objectContaining({ code: 'VAULT.CAS_MISMATCH' }),
    );
    expect(decideSecret(write({ cas: 2 }), state)[0]).toMatchObject({ data: { version: 3 } });
  });

  it('never lets AUTO_MANAGED overwrite USER', () => {
    const state = given([write({ provider: 'USER' })]);
    expect(() => decideSecret(write({ provider: 'AUTO_MANAGED' }), state)).toThrow(
      expect.objectContaining({ code: 'VAULT.PROVIDER_CONFLICT' }),
    );
    expect(decideSecret(write({ provider: 'USER' }), state)).toHaveLength(1);
  });

  it('shreds versions past retention when a write pushes them out', () => {
    const state = given([write({ keepVersions: 2 }), write({ keepVersions: 2 })]);
    const events = decideSecret(write({ keepVersions: 2 }), state);
    expect(events.map((e) => e.type)).toEqual(['SecretVersionWrittenV1', 'SecretVersionsDestroyedV1']);
    expect(events[1]).toMatchObject({ data: { versions: [1], reason: 'retention' } });
  });

  it('deletes, undeletes and destroys only versions it has, once', () => {
    const state = given([write(), write()]);
    const deleted = decideSecret({ type: 'DeleteVersions', path: 'hearth/acme', versions: [1], actor: 'op' }, state);
    expect(deleted).toEqual([
      expect.objectContaining({
        type: 'SecretVersionsDeletedV1',
        data: expect.objectContaining({ versions: [1] }) as unknown,
      }),
    ]);
    const after = deleted.reduce(evolveSecret, state);
    expect(decideSecret({ type: 'DeleteVersions', path: 'hearth/acme', versions: [1], actor: 'op' }, after)).toEqual(
      [],
    );
    expect(() =>
      decideSecret({ type: 'DeleteVersions', path: 'hearth/acme', versions: [7], actor: 'op' }, after),
    ).toThrow(expect.objectContaining({ code: 'VAULT.SECRET_NOT_FOUND' }));
    const destroyed: SecretEvent[] = decideSecret(
      { type: 'DestroyVersions', path: 'hearth/acme', versions: 'all', actor: 'op' },
      after,
    );
    expect(destroyed[0]).toMatchObject({ data: { versions: [1, 2], reason: 'destroy' } });
    const gone = destroyed.reduce(evolveSecret, after);
    expect(decideSecret({ type: 'UndeleteVersions', path: 'hearth/acme', versions: [1], actor: 'op' }, gone)).toEqual(
      [],
    );
  });

  it('cannot change versions of a path never written', () => {
    expect(() =>
      decideSecret({ type: 'DestroyVersions', path: 'hearth/x', versions: 'all', actor: 'op' }, initialSecretState),
    ).toThrow(expect.objectContaining({ code: 'VAULT.SECRET_NOT_FOUND' }));
  });

  it('knows the workspace of a path', () => {
    expect(workspaceOf('hearth/acme')).toBe('acme');
    expect(workspaceOf('hearth/acme/db')).toBe('acme');
    expect(workspaceOf('sys/principals/x')).toBeNull();
  });
});
