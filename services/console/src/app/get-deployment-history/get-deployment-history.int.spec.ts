import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentHistory, ErrorCode } from '@hearth/contracts';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('a deployment’s history', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('is its timeline from the stored events: each status, with the driver’s failure reason', async () => {
    await h.registerWorkspace('acme');
    await h.useCases.createDeployment.run(deploymentRequest('acme'), callers.operator);
    const first = await h.pendingCommand('acme');
    await h.recordAnswer('start', 'acme');
    await h.recordAnswer('fail', 'acme');
    await h.useCases.operateDeployment.retry('acme', callers.operator);
    const second = await h.pendingCommand('acme');
    await h.recordAnswer('ready', 'acme');

    const history = DeploymentHistory.parse(await h.useCases.getDeploymentHistory.run('acme', callers.auditor));
    expect(history.workspace_slug).toBe('acme');
    expect(
      history.entries.map(({ version, status, command_id, endpoint, reason }) => ({
        version,
        status,
        command_id,
        endpoint,
        reason,
      })),
    ).toEqual([
      { version: 1, status: 'requested', command_id: first, endpoint: null, reason: null },
      { version: 2, status: 'provisioning', command_id: first, endpoint: null, reason: null },
      { version: 3, status: 'failed', command_id: first, endpoint: null, reason: 'image not found' },
      { version: 4, status: 'provisioning', command_id: second, endpoint: null, reason: null },
      {
        version: 5,
        status: 'ready',
        command_id: second,
        endpoint: 'postgres://hearth-acme-postgres:5432/postgres',
        reason: null,
      },
    ]);
  });

  it('is refused for a slug without a deployment', async () => {
    await expect(h.useCases.getDeploymentHistory.run('nobody-here', callers.admin)).rejects.toMatchObject({
      code: ErrorCode.DeploymentNotFound,
    });
  });
});
