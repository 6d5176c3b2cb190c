import { describe, expect, it } from '@jest/globals';
import { historyEntryOf } from './history.js';

const at = { path: 'hearth/acme/db', workspace_slug: 'acme' };
const OCCURRED = '2026-11-22T10:00:05.000Z';

describe("a credential's history", () => {
  it('shows a write by its writer and time, its type and environment, not its tags, fields or value names', () => {
    expect(
      historyEntryOf(
        {
          type: 'SecretVersionWrittenV1',
          data: {
            ...at,
            version: 2,
            provider: 'USER',
            tags: { team: 'core' },
            description: null,
            expires_at: null,
            value_names: ['host', 'password'],
            created_by: 'alice',
            created_at: '2026-11-22T10:00:00.000Z',
            type: 'postgres',
            type_version: null,
            environment: 'staging',
            fields: { host: 'db' },
            rotated_from: 1,
          },
        },
        OCCURRED,
      ),
    ).toEqual({
      type: 'SecretVersionWrittenV1',
      at: '2026-11-22T10:00:00.000Z',
      by: 'alice',
      version: 2,
      detail: {
        provider: 'USER',
        description: null,
        expires_at: null,
        type: 'postgres',
        type_version: null,
        environment: 'staging',
        rotated_from: 1,
      },
    });
  });

  it('shows a test at its time with its outcome and message, and a change of versions as a list', () => {
    expect(
      historyEntryOf(
        {
          type: 'CredentialTestedV1',
          data: {
            ...at,
            by: 'ops',
            version: 2,
            type: 'postgres',
            outcome: 'FAILED',
            message: 'connection refused',
            tested_at: '2026-11-22T11:00:00.000Z',
          },
        },
        OCCURRED,
      ),
    ).toEqual({
      type: 'CredentialTestedV1',
      at: '2026-11-22T11:00:00.000Z',
      by: 'ops',
      version: 2,
      detail: { type: 'postgres', outcome: 'FAILED', message: 'connection refused' },
    });
    expect(
      historyEntryOf(
        { type: 'SecretVersionsDestroyedV1', data: { ...at, versions: [1, 2], by: 'ops', reason: 'destroy' } },
        OCCURRED,
      ),
    ).toEqual({
      type: 'SecretVersionsDestroyedV1',
      at: OCCURRED,
      by: 'ops',
      version: null,
      detail: { versions: '1, 2', reason: 'destroy' },
    });
  });
});
