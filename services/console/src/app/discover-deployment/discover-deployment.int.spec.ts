import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('discovering a deployment', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('answers the ref as the projection holds it, moving with the deployment', async () => {
    await h.registerWorkspace('acme');
    const created = await h.useCases.createDeployment.run(deploymentRequest('acme'), callers.admin);
    expect(await h.useCases.discoverDeployment.run('acme')).toEqual(created);
    await h.recordAnswer('start', 'acme');
    await h.recordAnswer('ready', 'acme');
    expect(await h.useCases.discoverDeployment.run('acme')).toEqual({
      ...created,
      last_status: 'ready',
      endpoint: 'postgres://hearth-acme-postgres:5432/postgres',
    });
  });

  it('answers null for a workspace without one', async () => {
    expect(await h.useCases.discoverDeployment.run('nobody-here')).toBeNull();
  });
});
