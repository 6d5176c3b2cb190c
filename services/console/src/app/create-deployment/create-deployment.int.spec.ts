import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_ENGINE, DriverCommand, ErrorCode, Subjects } from '@hearth/contracts';
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
      engine: DEFAULT_ENGINE,
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
    expect(queued?.subject).toBe(Subjects.driverCommand('localdocker', DEFAULT_ENGINE, 'acme'));
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

  it('places it on the engine named, else on the emptiest with room, one placement at a time', async () => {
    const placing = await h.replica({ CONSOLE_ENGINES: 'east:2,west:1' });
    const slugs = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const slug of slugs) await h.registerWorkspace(slug);
    const create = (slug: string, engine?: string) =>
      placing.useCases.createDeployment.run(
        { ...deploymentRequest(slug), ...(engine === undefined ? {} : { engine }) },
        callers.operator,
      );
    expect((await create('p1')).engine).toBe('east'); // a tie: the first configured
    expect((await create('p2')).engine).toBe('west'); // the fewest
    const mark = await eventMark(h.db.name);
    await expect(create('p3', 'west')).rejects.toMatchObject({ code: ErrorCode.EngineFull });
    await expect(create('p3', 'south')).rejects.toMatchObject({ code: ErrorCode.EngineUnknown });
    await expectNewEvents(h.db.name, mark, []);
    // One place left (east): of two requests at once, one takes it and the other finds every engine full.
    const raced = await Promise.allSettled([create('p3'), create('p4')]);
    expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: ErrorCode.EngineFull } });
    // Each provision command is addressed to the engine its deployment lives on.
    const subjects = (await outbox()).map((row) => row.subject);
    expect(subjects).toEqual(
      expect.arrayContaining([
        Subjects.driverCommand('localdocker', 'east', 'p1'),
        Subjects.driverCommand('localdocker', 'west', 'p2'),
      ]),
    );
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
