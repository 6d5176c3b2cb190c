import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, type WorkspaceScope } from '@hearth/contracts';
import { ConsoleTenancy } from './console-tenancy.js';

const WEB: WorkspaceScope = { workspace: 'web', team: 'platform', org: 'acme' };

/** A console that knows `web`, counts how often it is asked, and fails as told. */
function knownConsole(fail?: Error) {
  const asked: string[] = [];
  return {
    asked,
    client: {
      getWorkspaceScope: (workspace: string) => {
        asked.push(workspace);
        if (fail !== undefined) return Promise.reject(fail);
        return Promise.resolve(workspace === 'web' ? WEB : null);
      },
    },
  };
}

describe('ConsoleTenancy', () => {
  it('trusts a known place for cacheMs, and never remembers an unknown workspace', async () => {
    let now = 0;
    const { client, asked } = knownConsole();
    const tenancy = new ConsoleTenancy(client, 5_000, () => now);
    await expect(tenancy.scopeOf('web')).resolves.toEqual(WEB);
    await expect(tenancy.scopeOf('web')).resolves.toEqual(WEB);
    await expect(tenancy.scopeOf('new')).resolves.toBeNull();
    await expect(tenancy.scopeOf('new')).resolves.toBeNull();
    expect(asked).toEqual(['web', 'new', 'new']);
    now = 5_000;
    await tenancy.scopeOf('web');
    expect(asked).toEqual(['web', 'new', 'new', 'web']);
  });

  it('takes the console’s WORKSPACE_NOT_FOUND for an unknown workspace, and any other failure as unavailable', async () => {
    const notFound = new HearthError(ErrorCode.WorkspaceNotFound, 'no such workspace');
    await expect(new ConsoleTenancy(knownConsole(notFound).client, 5_000, () => 0).scopeOf('web')).resolves.toBeNull();
    for (const failure of [new HearthError(ErrorCode.BusBadSignature, 'forged'), new Error('503 no responders')]) {
      await expect(
        new ConsoleTenancy(knownConsole(failure).client, 5_000, () => 0).scopeOf('web'),
      ).rejects.toMatchObject({
        code: ErrorCode.Unavailable,
      });
    }
  });
});
