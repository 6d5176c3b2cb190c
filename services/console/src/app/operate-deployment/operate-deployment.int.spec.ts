import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DriverCommand, ErrorCode } from '@hearth/contracts';
import { eventMark, expectNewEvents } from '@hearth/testkit';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('operating a deployment', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  /** The driver commands queued for `slug`, oldest first. */
  const queued = async (slug: string) =>
    (
      await h.runtime.dataSource.query<Array<{ payload: string }>>(
        `SELECT payload FROM outbox WHERE subject LIKE $1 ORDER BY position`,
        [`%.${slug}`],
      )
    ).map((row) => DriverCommand.parse(JSON.parse(row.payload)));

  it('retries a failed deployment with a fresh provision command', async () => {
    await h.useCases.createDeployment.run(deploymentRequest('retried'), callers.admin);
    await h.recordAnswer('start', 'retried');
    await h.recordAnswer('fail', 'retried');
    const mark = await eventMark(h.db.name);
    expect(await h.useCases.operateDeployment.retry('retried', callers.operator)).toMatchObject({
      last_status: 'provisioning',
    });
    const [retried] = await expectNewEvents(h.db.name, mark, [{ type: 'DeploymentRetriedV1' }]);
    const commands = await queued('retried');
    expect(commands.map((c) => c.type)).toEqual(['ProvisionSidecarsV1', 'ProvisionSidecarsV1']);
    expect(commands[1]!.id).toBe(retried!.data.command_id);
    expect(commands[1]!.id).not.toBe(commands[0]!.id);
  });

  it('tears a ready deployment down once: asking again changes nothing', async () => {
    await h.useCases.createDeployment.run(deploymentRequest('torn'), callers.admin);
    await h.recordAnswer('start', 'torn');
    await h.recordAnswer('ready', 'torn');
    const mark = await eventMark(h.db.name);
    await h.useCases.operateDeployment.deprovision('torn', callers.operator);
    expect(await h.useCases.operateDeployment.deprovision('torn', callers.admin)).toMatchObject({
      last_status: 'deprovisioning',
    });
    await expectNewEvents(h.db.name, mark, [{ type: 'DeploymentDeprovisionRequestedV1' }]);
    expect((await queued('torn')).map((c) => c.type)).toEqual(['ProvisionSidecarsV1', 'DeprovisionSidecarsV1']);
  });

  it('refuses what the deployment’s state or the caller’s role does not allow, recording nothing', async () => {
    await h.useCases.createDeployment.run(deploymentRequest('young'), callers.admin);
    const mark = await eventMark(h.db.name);
    await expect(h.useCases.operateDeployment.retry('young', callers.admin)).rejects.toMatchObject({
      code: ErrorCode.IllegalTransition,
    });
    await expect(h.useCases.operateDeployment.deprovision('young', callers.auditor)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    await expect(h.useCases.operateDeployment.deprovision('nobody-here', callers.admin)).rejects.toMatchObject({
      code: ErrorCode.DeploymentNotFound,
    });
    await expectNewEvents(h.db.name, mark, []);
  });
});
