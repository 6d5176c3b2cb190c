import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentListQuery } from '@hearth/contracts';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('listing deployments', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
    for (const slug of ['d-05', 'd-01', 'd-04', 'd-02', 'd-03']) {
      await h.registerWorkspace(slug);
      await h.useCases.createDeployment.run(deploymentRequest(slug), callers.admin);
    }
    await h.recordAnswer('start', 'd-02');
    await h.recordAnswer('start', 'd-04');
  });
  afterAll(() => h?.close());

  const list = (query: Record<string, unknown>) =>
    h.useCases.listDeployments.run(DeploymentListQuery.parse(query), callers.auditor);
  const slugs = (page: Awaited<ReturnType<typeof list>>) => page.items.map((r) => r.workspace_slug);

  it('pages by slug: each page names the cursor of the next, the last none', async () => {
    const first = await list({ limit: 2 });
    expect([slugs(first), first.next_cursor]).toEqual([['d-01', 'd-02'], 'd-02']);
    const second = await list({ limit: 2, cursor: first.next_cursor });
    expect([slugs(second), second.next_cursor]).toEqual([['d-03', 'd-04'], 'd-04']);
    const last = await list({ limit: 2, cursor: second.next_cursor });
    expect([slugs(last), last.next_cursor]).toEqual([['d-05'], null]);
  });

  it('filters by status', async () => {
    expect(slugs(await list({ status: 'provisioning' }))).toEqual(['d-02', 'd-04']);
    expect(slugs(await list({ status: 'requested', cursor: 'd-01' }))).toEqual(['d-03', 'd-05']);
    expect(slugs(await list({ status: 'ready' }))).toEqual([]);
  });
});
