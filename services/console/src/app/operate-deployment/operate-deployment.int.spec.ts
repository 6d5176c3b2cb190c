import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DriverCommand, ErrorCode } from '@hearth/contracts';
import { eventMark, expectNewEvents } from '@hearth/testkit';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const workloads = [
  { name: 'agent', image: 'hearth-test/agent:1', env_refs: ['OPENAI_API_KEY'] },
  { name: 'worker', image: 'hearth-test/agent:1', command: ['work'] },
];

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
    await h.registerWorkspace('retried');
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
    await h.registerWorkspace('torn');
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

  it('restarts a ready deployment’s workloads with the whole spec, back to ready on the driver’s answer', async () => {
    await h.registerWorkspace('restarted');
    await h.useCases.createDeployment.run({ ...deploymentRequest('restarted'), workloads }, callers.admin);
    await h.recordAnswer('start', 'restarted');
    await h.recordAnswer('ready', 'restarted');
    const mark = await eventMark(h.db.name);
    expect(
      await h.useCases.operateDeployment.restart('restarted', { workload: 'agent' }, callers.operator),
    ).toMatchObject({ last_status: 'provisioning' });
    const [restart] = await expectNewEvents(h.db.name, mark, [
      { type: 'DeploymentRestartRequestedV1', data: { workload: 'agent' } },
    ]);
    expect(restart!.metadata.actor).toBe('operator:test-operator');
    const commands = await queued('restarted');
    expect(commands.map((c) => c.type)).toEqual(['ProvisionSidecarsV1', 'RestartWorkloadsV1']);
    expect(commands[1]).toMatchObject({
      id: restart!.data.command_id,
      data: {
        slug: 'restarted',
        tier: 'dev',
        driver: 'localdocker',
        sidecars: deploymentRequest('restarted').sidecars,
        workloads,
        workload: 'agent',
      },
    });
    const [audit] = await h.runtime.dataSource.query<Array<{ payload: string }>>(
      `SELECT payload FROM outbox WHERE subject = 'hatch.console.deployment.restart'`,
    );
    expect(JSON.parse(audit!.payload)).toMatchObject({
      id: restart!.id,
      type: 'DeploymentRestartAuditedV1',
      data: { workspace_slug: 'restarted', workload: 'agent', outcome: 'OK' },
    });

    await h.recordAnswer('start', 'restarted'); // already provisioning: nothing to add
    await h.recordAnswer('ready', 'restarted');
    expect(await h.useCases.getDeployment.run('restarted', callers.auditor)).toMatchObject({ last_status: 'ready' });
    const history = await h.useCases.getDeploymentHistory.run('restarted', callers.auditor);
    expect(history.entries.slice(-2)).toMatchObject([
      { status: 'provisioning', command_id: restart!.data.command_id },
      { status: 'ready', command_id: restart!.data.command_id },
    ]);

    await h.useCases.operateDeployment.restart('restarted', {}, callers.admin);
    await h.recordAnswer('fail', 'restarted');
    const failed = await h.useCases.getDeploymentHistory.run('restarted', callers.auditor);
    expect(failed.entries.at(-1)).toMatchObject({ status: 'failed', reason: 'image not found' });
    expect((await queued('restarted')).at(-1)).toMatchObject({ type: 'RestartWorkloadsV1', data: { workloads } });
  });

  it('refuses to restart a workload the deployment lacks, one without workloads, or one not ready', async () => {
    await h.registerWorkspace('no-work');
    await h.useCases.createDeployment.run(deploymentRequest('no-work'), callers.admin);
    await h.recordAnswer('start', 'no-work');
    await h.recordAnswer('ready', 'no-work');
    await h.registerWorkspace('busy');
    await h.useCases.createDeployment.run({ ...deploymentRequest('busy'), workloads }, callers.admin);
    await h.recordAnswer('start', 'busy');
    const mark = await eventMark(h.db.name);
    await expect(h.useCases.operateDeployment.restart('no-work', {}, callers.admin)).rejects.toMatchObject({
      code: ErrorCode.WorkloadNotFound,
    });
    await expect(
      h.useCases.operateDeployment.restart('busy', { workload: 'agent' }, callers.admin),
    ).rejects.toMatchObject({ code: ErrorCode.IllegalTransition });
    await h.recordAnswer('ready', 'busy');
    await expect(
      h.useCases.operateDeployment.restart('busy', { workload: 'nobody' }, callers.admin),
    ).rejects.toMatchObject({ code: ErrorCode.WorkloadNotFound });
    await expect(h.useCases.operateDeployment.restart('busy', {}, callers.auditor)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    await expectNewEvents(h.db.name, mark, [{ type: 'DeploymentReadyV1' }]);
  });

  it('refuses what the deployment’s state or the caller’s role does not allow, recording nothing', async () => {
    await h.registerWorkspace('young');
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
