import { describe, expect, it } from '@jest/globals';
import { resolutionTable } from './secret.js';

describe('hearth secret resolve: the preview as printed', () => {
  const preview = {
    workspace: 'web',
    team: 'platform',
    org: 'acme',
    resolve_event_id: '6f0c1f2e-8a5d-4b6e-9c1a-2d3e4f5a6b7c',
    names: [
      {
        name: 'OPENAI_API_KEY',
        scope: 'org' as const,
        path: 'org/acme/openai',
        version: 3,
        type: 'generic',
        read_event_id: null,
      },
      {
        name: 'POSTGRES_PASSWORD',
        scope: 'workspace' as const,
        path: 'hearth/web',
        version: 1,
        type: 'postgres',
        read_event_id: null,
      },
    ],
    refused: [],
  };

  it('shows each name with the scope that won it, its path and version', () => {
    expect(resolutionTable(preview)).toBe(
      [
        'web (team platform, org acme)',
        'NAME               SCOPE      PATH             VERSION  TYPE',
        'OPENAI_API_KEY     org        org/acme/openai  3        generic',
        'POSTGRES_PASSWORD  workspace  hearth/web       1        postgres',
      ].join('\n'),
    );
  });

  it('lists the refused names after, each with its code and reason', () => {
    const text = resolutionTable({
      ...preview,
      refused: [
        {
          name: 'GITHUB_TOKEN',
          scope: 'team',
          path: 'team/platform/github',
          version: 2,
          code: 'VAULT.SECRET_EXPIRED',
          reason: 'expired',
        },
        {
          name: 'SLACK_WEBHOOK',
          scope: null,
          path: null,
          version: null,
          code: 'HEARTH.NOT_FOUND',
          reason: 'no scope offers it',
        },
      ],
    });
    expect(text.split('\n').slice(-3)).toEqual([
      'REFUSED        CODE                  SCOPE  PATH                  REASON',
      'GITHUB_TOKEN   VAULT.SECRET_EXPIRED  team   team/platform/github  expired',
      'SLACK_WEBHOOK  HEARTH.NOT_FOUND      -      -                     no scope offers it',
    ]);
  });
});
