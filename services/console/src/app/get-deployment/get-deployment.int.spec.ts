import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('getting a deployment', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('answers every role that may read with the deployment’s ref', async () => {
    await h.registerWorkspace('acme');
    const created = await h.useCases.createDeployment.run(deploymentRequest('acme'), callers.admin);
    for (const caller of Object.values(callers)) {
      expect(await h.useCases.getDeployment.run('acme', caller)).toEqual(created);
    }
  });

  it('refuses a slug without a deployment with DEPLOYMENT_NOT_FOUND', async () => {
    await expect(h.useCases.getDeployment.run('nobody-here', callers.auditor)).rejects.toMatchObject({
      code: ErrorCode.DeploymentNotFound,
    });
  });
});
