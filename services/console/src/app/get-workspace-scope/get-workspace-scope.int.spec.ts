import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleClient, ErrorCode, serviceErrorOf, Subjects } from '@hearth/contracts';
import { generateServiceKeys, sharedServiceKeys } from '@hearth/testkit';
import { callers, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('a workspace’s scope, over NATS', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ serve: true });
    await h.useCases.createTenant.org({ slug: 'acme', display_name: 'Acme' }, callers.admin);
    await h.useCases.createTenant.team({ slug: 'platform', display_name: 'Platform', org: 'acme' }, callers.admin);
    await h.useCases.createTenant.workspace({ slug: 'web', display_name: 'Web', team: 'platform' }, callers.admin);
  });
  afterAll(() => h?.close());

  it('answers the team and org the tree gives the workspace, signed by the console', async () => {
    const client = new ConsoleClient(h.runtime.nc, sharedServiceKeys().verifier());
    expect(await client.getWorkspaceScope('web')).toEqual({ workspace: 'web', team: 'platform', org: 'acme' });
  });

  it('answers null for a workspace not in the tree', async () => {
    const client = new ConsoleClient(h.runtime.nc, sharedServiceKeys().verifier());
    expect(await client.getWorkspaceScope('nowhere')).toBeNull();
  });

  it('is not taken from anyone but the console: a caller pinning other keys gets no answer', async () => {
    // Its reply key is sealed to the console it pins, which this one cannot open: it answers nothing.
    const client = new ConsoleClient(h.runtime.nc, generateServiceKeys().verifier());
    await expect(client.getWorkspaceScope('web')).rejects.toMatchObject({ code: ErrorCode.BusBadReplyKey });
  });

  it('refuses a request that names no valid workspace', async () => {
    const reply = await h.runtime.nc.request(Subjects.workspaceScope, JSON.stringify({ workspace: 'Not A Slug' }));
    expect(serviceErrorOf(reply.headers)?.code).toBe(ErrorCode.InvalidRequest);
  });
});
