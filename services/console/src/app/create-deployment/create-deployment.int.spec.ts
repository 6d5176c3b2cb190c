import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DriverCommand, ErrorCode, Subjects } from '@hearth/contracts';
import { eventMark, expectNewEvents } from '@hearth/testkit';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const NOW = new Date('2026-12-01T10:00:00.000Z');

describe('creating a deployment', () => {
  let h: ConsoleHarness;
  let n = 0;
  beforeAll(async () => {
    h = await startConsoleHarness({
      clock: { now: () => NOW },
      ids: { next: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
    });
  });
  afterAll(() => h?.close());

  const outbox = () =>
    h.runtime.dataSource.query<Array<{ subject: string; payload: string }>>(
      `SELECT subject, payload FROM outbox WHERE subject LIKE 'cmd.%' ORDER BY position`,
    );

  it('records it as requested and queues its driver’s provision command, in one transaction', async () => {
    await h.registerWorkspace('acme');
    const mark = await eventMark(h.db.name);
    const ref = await h.useCases.createDeployment.run(deploymentRequest('acme'), callers.operator);
    expect(ref).toEqual({
      workspace_slug: 'acme',
      tier: 'dev',
      driver: 'localdocker',
      endpoint: '',
      secrets_vault_path: 'vault://hearth/acme',
      created: NOW.toISOString(),
      last_status: 'requested',
    });
    const [requested] = await expectNewEvents(h.db.name, mark, [
      {
        type: 'DeploymentRequestedV1',
        data: { slug: 'acme', requested_at: NOW.toISOString(), sidecars: deploymentRequest('acme').sidecars },
      },
    ]);
    expect(requested!.metadata.actor).toBe('operator:test-operator');
    const [queued] = await outbox();
    expect(queued?.subject).toBe(Subjects.driverCommand('localdocker', 'acme'));
    const command = DriverCommand.parse(JSON.parse(queued!.payload));
    expect(command).toMatchObject({
      type: 'ProvisionSidecarsV1',
      id: requested!.data.command_id,
      stream: 'deployment-acme',
    });
    expect(await h.useCases.discoverDeployment.run('acme')).toEqual(ref);
  });

  it('refuses a slug already taken, and a role that may not write, recording nothing', async () => {
    await h.registerWorkspace('other');
    const mark = await eventMark(h.db.name);
    const queued = (await outbox()).length;
    await expect(h.useCases.createDeployment.run(deploymentRequest('acme'), callers.admin)).rejects.toMatchObject({
      code: ErrorCode.DeploymentExists,
    });
    await expect(h.useCases.createDeployment.run(deploymentRequest('other'), callers.auditor)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    await expectNewEvents(h.db.name, mark, []);
    expect(await outbox()).toHaveLength(queued);
    expect(await h.useCases.discoverDeployment.run('other')).toBeNull();
  });

  it('refuses a workspace that is not in the tenancy tree, before anything is appended', async () => {
    const mark = await eventMark(h.db.name);
    const queued = (await outbox()).length;
    await expect(h.useCases.createDeployment.run(deploymentRequest('nowhere'), callers.admin)).rejects.toMatchObject({
      code: ErrorCode.WorkspaceNotFound,
    });
    await expectNewEvents(h.db.name, mark, []);
    expect(await outbox()).toHaveLength(queued);
  });

  it('carries its workloads in the requested event and the provision command', async () => {
    await h.registerWorkspace('with-work');
    const workloads = [{ name: 'agent', image: 'hearth-test/agent:1', command: ['run'], env_refs: ['OPENAI_API_KEY'] }];
    const mark = await eventMark(h.db.name);
    await h.useCases.createDeployment.run({ ...deploymentRequest('with-work'), workloads }, callers.admin);
    await expectNewEvents(h.db.name, mark, [{ type: 'DeploymentRequestedV1', data: { slug: 'with-work', workloads } }]);
    const command = DriverCommand.parse(JSON.parse((await outbox()).at(-1)!.payload));
    expect(command).toMatchObject({ type: 'ProvisionSidecarsV1', data: { slug: 'with-work', workloads } });
  });
});
