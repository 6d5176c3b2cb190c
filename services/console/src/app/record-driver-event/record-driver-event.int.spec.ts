import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, type DriverEvent } from '@hearth/contracts';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import { eventMark, eventsSince, expectNewEvents } from '@hearth/testkit';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('recording a driver’s event', () => {
  let h: ConsoleHarness;
  let unitOfWork: TypeOrmUnitOfWork;
  beforeAll(async () => {
    h = await startConsoleHarness();
    unitOfWork = new TypeOrmUnitOfWork(h.runtime.dataSource);
  });
  afterAll(() => h?.close());

  it('moves the deployment as each answer says, within the flow and caused by the driver’s event', async () => {
    await h.registerWorkspace('acme');
    await h.useCases.createDeployment.run(deploymentRequest('acme'), callers.admin);
    const mark = await eventMark(h.db.name);
    const answers = [];
    for (const answer of ['start', 'ready'] as const) {
      const event = await h.driverAnswer(answer, 'acme');
      answers.push(event);
      await unitOfWork.run((tx) => h.useCases.recordDriverEvent.run(event, h.nextDriverSeq(), tx));
    }
    await h.useCases.operateDeployment.deprovision('acme', callers.admin);
    const gone = await h.driverAnswer('gone', 'acme');
    answers.push(gone);
    await unitOfWork.run((tx) => h.useCases.recordDriverEvent.run(gone, h.nextDriverSeq(), tx));

    const events = await expectNewEvents(h.db.name, mark, [
      { type: 'DeploymentProvisioningStartedV1' },
      { type: 'DeploymentReadyV1', data: { endpoint: 'postgres://hearth-acme-postgres:5432/postgres' } },
      { type: 'DeploymentDeprovisionRequestedV1' },
      { type: 'DeploymentDeprovisionedV1' },
    ]);
    const fromDriver = events.filter((e) => e.metadata.actor === 'driver:localdocker');
    expect(fromDriver.map((e) => [e.metadata.correlation_id, e.metadata.causation_id])).toEqual(
      answers.map((a) => [a.metadata.correlation_id, a.id]),
    );
    expect(await h.useCases.discoverDeployment.run('acme')).toMatchObject({
      last_status: 'deprovisioned',
      endpoint: '',
    });
  });

  it('records a failure with the driver’s reason', async () => {
    await h.registerWorkspace('broken');
    await h.useCases.createDeployment.run(deploymentRequest('broken'), callers.admin);
    await h.recordAnswer('start', 'broken');
    const mark = await eventMark(h.db.name);
    await h.recordAnswer('fail', 'broken');
    await expectNewEvents(h.db.name, mark, [{ type: 'DeploymentFailedV1', data: { reason: 'image not found' } }]);
  });

  it('goes by the order the driver answered in: a late, older answer never undoes a newer one', async () => {
    const record = (event: DriverEvent, driverSeq: number) =>
      unitOfWork.run((tx) => h.useCases.recordDriverEvent.run(event, driverSeq, tx));
    for (const slug of ['late-failure', 'retried-ready']) {
      await h.registerWorkspace(slug);
      await h.useCases.createDeployment.run(deploymentRequest(slug), callers.admin);
      await record(await h.driverAnswer('start', slug), h.nextDriverSeq());
    }
    // The driver's failure came first, its ready (it tried again) after; they arrive the other way round.
    const [failedFirst, readyAfter] = [h.nextDriverSeq(), h.nextDriverSeq()];
    await record(await h.driverAnswer('ready', 'late-failure'), readyAfter);
    await record(await h.driverAnswer('fail', 'late-failure'), failedFirst);
    // Here they arrive in order: the newer ready replaces the failure.
    await record(await h.driverAnswer('fail', 'retried-ready'), failedFirst);
    await record(await h.driverAnswer('ready', 'retried-ready'), readyAfter);
    for (const slug of ['late-failure', 'retried-ready']) {
      expect(await h.useCases.discoverDeployment.run(slug)).toMatchObject({ last_status: 'ready' });
    }
  });

  it('takes effect with the worker’s transaction or not at all', async () => {
    await h.registerWorkspace('undone');
    await h.useCases.createDeployment.run(deploymentRequest('undone'), callers.admin);
    const event = await h.driverAnswer('start', 'undone');
    const mark = await eventMark(h.db.name);
    await expect(
      unitOfWork.run(async (tx) => {
        await h.useCases.recordDriverEvent.run(event, h.nextDriverSeq(), tx);
        throw new Error('the worker failed after recording');
      }),
    ).rejects.toThrow('the worker failed after recording');
    expect(await eventsSince(h.db.name, mark)).toEqual([]);
    expect(await h.useCases.discoverDeployment.run('undone')).toMatchObject({ last_status: 'requested' });
  });

  it('refuses an answer the deployment cannot take', async () => {
    await h.registerWorkspace('early');
    await h.useCases.createDeployment.run(deploymentRequest('early'), callers.admin);
    const gone = await h.driverAnswer('gone', 'early');
    await expect(
      unitOfWork.run((tx) => h.useCases.recordDriverEvent.run(gone, h.nextDriverSeq(), tx)),
    ).rejects.toMatchObject({
      code: ErrorCode.IllegalTransition,
    });
  });

  it('ends ready when another console takes the outcome while the start is still held elsewhere', async () => {
    await h.registerWorkspace('reordered');
    await h.useCases.createDeployment.run(deploymentRequest('reordered'), callers.admin);
    const start = await h.driverAnswer('start', 'reordered');
    const ready = await h.driverAnswer('ready', 'reordered');
    const [startSeq, readySeq] = [h.nextDriverSeq(), h.nextDriverSeq()];
    // Replicas share the driver's events: one takes the outcome, the other's start comes back late.
    const replica = await h.replica();
    const mark = await eventMark(h.db.name);
    await new TypeOrmUnitOfWork(replica.runtime.dataSource).run((tx) =>
      replica.useCases.recordDriverEvent.run(ready, readySeq, tx),
    );
    await unitOfWork.run((tx) => h.useCases.recordDriverEvent.run(start, startSeq, tx));

    await expectNewEvents(h.db.name, mark, [
      { type: 'DeploymentProvisioningStartedV1' },
      { type: 'DeploymentReadyV1', data: { endpoint: 'postgres://hearth-reordered-postgres:5432/postgres' } },
    ]);
    expect(await h.useCases.discoverDeployment.run('reordered')).toMatchObject({ last_status: 'ready' });
  });
});
