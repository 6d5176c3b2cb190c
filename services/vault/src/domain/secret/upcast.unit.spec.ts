import { describe, expect, it } from '@jest/globals';
import { upcastSecretEvent } from './upcast.js';

describe('upcasting a stored secret event', () => {
  const deleted = {
    type: 'SecretVersionsDeletedV1',
    data: { path: 'hearth/acme', workspace_slug: 'acme', versions: [1], by: 'op' },
  };

  it('gives the current shape of a V1 event, as its contract says it', () => {
    const stored = { id: 'e1', stream: 'secret-hearth/acme', version: 3, ...deleted };
    expect(upcastSecretEvent(stored)).toEqual(deleted);
  });

  it('refuses an event type no secret has, and an event that breaks its contract', () => {
    expect(() => upcastSecretEvent({ type: 'SecretVersionsMovedV1', data: deleted.data })).toThrow();
    expect(() => upcastSecretEvent({ ...deleted, data: { ...deleted.data, versions: 'all' } })).toThrow();
    expect(() => upcastSecretEvent({ ...deleted, data: { ...deleted.data, value: 'leaked' } })).toThrow();
  });
});
