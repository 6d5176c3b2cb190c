import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, Status, type Status as StatusT } from '@hearth/contracts';
import { deciderSpec } from '@hearth/testkit';
import {
  decide,
  deploymentDecider,
  evolve,
  initialState,
  type DeploymentCommand,
  type DeploymentEvent,
} from './deployment.js';
import { STATUS_TRANSITIONS } from './status.js';

const requested: DeploymentEvent = {
  type: 'DeploymentRequestedV1',
  data: {
    slug: 'acme',
    tier: 'dev',
    driver: 'localdocker',
    engine: 'east',
    sidecars: [{ name: 'postgres', image: 'postgres:16' }],
    workloads: [{ name: 'agent', image: 'hearth-test/agent:1', env_refs: ['OPENAI_API_KEY'] }],
    requested_at: '2026-11-22T10:00:00.000Z',
    command_id: 'c1',
  },
};
const started: DeploymentEvent = { type: 'DeploymentProvisioningStartedV1', data: { command_id: 'c1', driver_seq: 1 } };
const ready: DeploymentEvent = {
  type: 'DeploymentReadyV1',
  data: { command_id: 'c1', driver_seq: 2, endpoint: 'postgres://x:5432/postgres' },
};
const failed: DeploymentEvent = {
  type: 'DeploymentFailedV1',
  data: { command_id: 'c1', driver_seq: 2, reason: 'image missing' },
};
const deprovisionRequested: DeploymentEvent = { type: 'DeploymentDeprovisionRequestedV1', data: { command_id: 'c2' } };
const deprovisioned: DeploymentEvent = { type: 'DeploymentDeprovisionedV1', data: { command_id: 'c2', driver_seq: 1 } };

/** The shortest history that leaves a deployment in each status. */
const HISTORY: Record<StatusT, DeploymentEvent[]> = {
  requested: [requested],
  provisioning: [requested, started],
  ready: [requested, started, ready],
  failed: [requested, started, failed],
  deprovisioning: [requested, started, ready, deprovisionRequested],
  deprovisioned: [requested, started, ready, deprovisionRequested, deprovisioned],
};

const { given } = deciderSpec(deploymentDecider);

/** A command that leads to each status from wherever the deployment waits on `pending`. */
function commandsTowards(to: StatusT, pending: string): DeploymentCommand[] {
  switch (to) {
    case 'requested':
      return [
        {
          type: 'RequestDeployment',
          slug: 'acme',
          tier: 'dev',
          driver: 'localdocker',
          engine: 'east',
          sidecars: [],
          now: 'x',
          commandId: 'n',
        },
      ];
    case 'provisioning':
      return [
        { type: 'StartProvisioning', commandId: pending, driverSeq: 2 },
        { type: 'RetryProvisioning', commandId: 'r' },
        { type: 'RestartWorkloads', commandId: 'w' },
      ];
    case 'ready':
      return [{ type: 'MarkReady', commandId: pending, driverSeq: 2, endpoint: 'e' }];
    case 'failed':
      return [{ type: 'MarkFailed', commandId: pending, driverSeq: 2, reason: 'r' }];
    case 'deprovisioning':
      return [{ type: 'RequestDeprovision', commandId: 'd' }];
    case 'deprovisioned':
      return [{ type: 'MarkDeprovisioned', commandId: pending, driverSeq: 2 }];
  }
}

describe('deployment transitions', () => {
  const pairs = Status.options.flatMap((from) =>
    Status.options.filter((to) => to !== from).map((to) => [from, to] as const),
  );

  // The answers in commandsTowards are no newer than the last answer each history holds: the table is
  // the deployment's own moves; a newer answer turning one outcome into the other is below.
  it.each(pairs)('%s → %s is legal exactly when the table says so', (from, to) => {
    const state = HISTORY[from].reduce(evolve, initialState);
    const pending = state.status === 'absent' ? '' : state.pendingCommand;
    const legal = STATUS_TRANSITIONS[from].includes(to);
    const outcomes = commandsTowards(to, pending).map((command) => {
      try {
        // Whatever a command decides moves along the table one step at a time (an outcome that came
        // before its start takes both steps); "moved" is the one step from → to.
        const steps: Array<[StatusT, StatusT]> = [];
        let at = state;
        for (const event of decide(command, state)) {
          const next = evolve(at, event);
          if (next.status !== at.status) steps.push([at.status as StatusT, next.status as StatusT]);
          at = next;
        }
        for (const [stepFrom, stepTo] of steps) expect(STATUS_TRANSITIONS[stepFrom]).toContain(stepTo);
        return steps.length === 1 && at.status === to ? 'moved' : 'stayed';
      } catch (error) {
        expect(error).toBeInstanceOf(HearthError);
        return (error as HearthError).code;
      }
    });
    if (legal) expect(outcomes).toContain('moved');
    else expect(outcomes).not.toContain('moved');
  });
});

describe('a deployment', () => {
  it('is requested with its spec and the command its driver gets', () => {
    given([])
      .when({
        type: 'RequestDeployment',
        slug: 'acme',
        tier: 'dev',
        driver: 'localdocker',
        engine: 'east',
        sidecars: [{ name: 'postgres', image: 'postgres:16' }],
        workloads: [{ name: 'agent', image: 'hearth-test/agent:1', env_refs: ['OPENAI_API_KEY'] }],
        now: '2026-11-22T10:00:00.000Z',
        commandId: 'c1',
      })
      .then([requested]);
  });

  it('cannot be requested twice', () => {
    given([requested])
      .when({
        type: 'RequestDeployment',
        slug: 'acme',
        tier: 'dev',
        driver: 'localdocker',
        engine: 'east',
        sidecars: [],
        now: 'x',
        commandId: 'c9',
      })
      .thenThrows(ErrorCode.DeploymentExists);
  });

  it('does not exist before it is requested', () => {
    given([])
      .when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 1 })
      .thenThrows(ErrorCode.DeploymentNotFound);
  });

  it('starts provisioning when its driver takes the command', () => {
    given([requested]).when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 1 }).then([started]);
  });

  it('becomes ready with the endpoint its driver reports', () => {
    given([requested, started])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 2, endpoint: 'postgres://x:5432/postgres' })
      .then([ready]);
  });

  it('takes a repeated driver answer once', () => {
    given([requested, started, ready])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 3, endpoint: 'other' })
      .then([]);
  });

  it('ignores an answer to a command it no longer waits on', () => {
    const retried: DeploymentEvent = { type: 'DeploymentRetriedV1', data: { command_id: 'c3' } };
    given([requested, started, failed, retried])
      .when({ type: 'MarkFailed', commandId: 'c1', driverSeq: 3, reason: 'late' })
      .then([]);
  });

  it('takes the driver’s answers in the order it gave them, not the order they arrive in', () => {
    // A failure older than the ready taken (delivered late, or again) changes nothing …
    given([requested, started, ready])
      .when({ type: 'MarkFailed', commandId: 'c1', driverSeq: 1, reason: 'stale' })
      .then([]);
    // … and a ready the driver gave after a failure (it tried the command again) is the newer truth.
    given([requested, started, failed])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 5, endpoint: 'postgres://x:5432/postgres' })
      .then([
        {
          type: 'DeploymentReadyV1',
          data: { command_id: 'c1', driver_seq: 5, endpoint: 'postgres://x:5432/postgres' },
        },
      ]);
    const readyAgain = [requested, started, failed, { ...ready, data: { ...ready.data, driver_seq: 5 } }];
    expect(readyAgain.reduce(evolve, initialState)).toMatchObject({
      status: 'ready',
      failureReason: null,
      answeredSeq: 5,
    });
    // … but never with another endpoint: no retry of the driver's moves a deployment.
    given([requested, started, ready, { ...failed, data: { ...failed.data, driver_seq: 3 } }])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 4, endpoint: 'postgres://elsewhere:5432/postgres' })
      .thenThrows(ErrorCode.IllegalTransition);
    // A newer failure of the same command undoes a ready: the driver found it broken when it tried again.
    given([requested, started, ready])
      .when({ type: 'MarkFailed', commandId: 'c1', driverSeq: 6, reason: 'gone' })
      .then([{ type: 'DeploymentFailedV1', data: { command_id: 'c1', driver_seq: 6, reason: 'gone' } }]);
  });

  it("takes its driver's outcome that came before the start as both: another console may hold the start", () => {
    given([requested])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 2, endpoint: 'postgres://x:5432/postgres' })
      .then([{ ...started, data: { command_id: 'c1', driver_seq: 2 } }, ready]);
    given([requested])
      .when({ type: 'MarkFailed', commandId: 'c1', driverSeq: 2, reason: 'image missing' })
      .then([{ ...started, data: { command_id: 'c1', driver_seq: 2 } }, failed]);
  });

  it('takes a start that comes after its outcome as old news', () => {
    given([requested, started, ready]).when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 1 }).then([]);
    given([requested, started, failed]).when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 1 }).then([]);
    // The command delivered again after its outcome, and started again: newer, and still old news.
    given([requested, started, ready]).when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 9 }).then([]);
    given([requested, started, failed]).when({ type: 'StartProvisioning', commandId: 'c1', driverSeq: 9 }).then([]);
  });

  it('retries a failure with a fresh command', () => {
    given([requested, started, failed])
      .when({ type: 'RetryProvisioning', commandId: 'c3' })
      .then([{ type: 'DeploymentRetriedV1', data: { command_id: 'c3' } }]);
  });

  it('cannot retry what is only requested', () => {
    given([requested]).when({ type: 'RetryProvisioning', commandId: 'c3' }).thenThrows(ErrorCode.IllegalTransition);
  });

  it('cannot retry what did not fail', () => {
    given([requested, started, ready])
      .when({ type: 'RetryProvisioning', commandId: 'c3' })
      .thenThrows(ErrorCode.IllegalTransition);
  });

  it('restarts a ready deployment’s workloads, all or one, waiting on the restart’s command', () => {
    given([requested, started, ready])
      .when({ type: 'RestartWorkloads', commandId: 'c5' })
      .then([{ type: 'DeploymentRestartRequestedV1', data: { command_id: 'c5' } }]);
    given([requested, started, ready])
      .when({ type: 'RestartWorkloads', commandId: 'c5', workload: 'agent' })
      .then([{ type: 'DeploymentRestartRequestedV1', data: { command_id: 'c5', workload: 'agent' } }]);
    const restarted: DeploymentEvent = { type: 'DeploymentRestartRequestedV1', data: { command_id: 'c5' } };
    expect([requested, started, ready, restarted].reduce(evolve, initialState)).toMatchObject({
      status: 'provisioning',
      pendingCommand: 'c5',
    });
    given([requested, started, ready, restarted])
      .when({ type: 'MarkFailed', commandId: 'c5', driverSeq: 3, reason: 'image gone' })
      .then([{ type: 'DeploymentFailedV1', data: { command_id: 'c5', driver_seq: 3, reason: 'image gone' } }]);
    given([requested, started, ready, restarted])
      .when({ type: 'MarkReady', commandId: 'c1', driverSeq: 4, endpoint: 'late' })
      .then([]);
  });

  it('restarts only a workload it has, and only when ready (a failed one is retried)', () => {
    given([requested, started, ready])
      .when({ type: 'RestartWorkloads', commandId: 'c5', workload: 'nobody' })
      .thenThrows(ErrorCode.WorkloadNotFound);
    const withoutWorkloads = { ...requested.data };
    delete withoutWorkloads.workloads;
    given([{ type: 'DeploymentRequestedV1', data: withoutWorkloads }, started, ready])
      .when({ type: 'RestartWorkloads', commandId: 'c5' })
      .thenThrows(ErrorCode.WorkloadNotFound);
    for (const history of [HISTORY.failed, HISTORY.provisioning, HISTORY.deprovisioned]) {
      given(history).when({ type: 'RestartWorkloads', commandId: 'c5' }).thenThrows(ErrorCode.IllegalTransition);
    }
  });

  it('deprovisions a ready deployment, and asking again changes nothing', () => {
    given([requested, started, ready])
      .when({ type: 'RequestDeprovision', commandId: 'c2' })
      .then([deprovisionRequested]);
    given([requested, started, ready, deprovisionRequested])
      .when({ type: 'RequestDeprovision', commandId: 'c4' })
      .then([]);
  });

  it('cannot be deprovisioned while provisioning', () => {
    given([requested, started])
      .when({ type: 'RequestDeprovision', commandId: 'c2' })
      .thenThrows(ErrorCode.IllegalTransition);
  });

  it('ends deprovisioned without an endpoint', () => {
    const state = HISTORY.deprovisioned.reduce(evolve, initialState);
    expect(state).toMatchObject({ status: 'deprovisioned', endpoint: '' });
  });
});
