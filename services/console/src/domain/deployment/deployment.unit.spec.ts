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
const started: DeploymentEvent = { type: 'DeploymentProvisioningStartedV1', data: { command_id: 'c1' } };
const ready: DeploymentEvent = {
  type: 'DeploymentReadyV1',
  data: { command_id: 'c1', endpoint: 'postgres://x:5432/postgres' },
};
const failed: DeploymentEvent = { type: 'DeploymentFailedV1', data: { command_id: 'c1', reason: 'image missing' } };
const deprovisionRequested: DeploymentEvent = { type: 'DeploymentDeprovisionRequestedV1', data: { command_id: 'c2' } };
const deprovisioned: DeploymentEvent = { type: 'DeploymentDeprovisionedV1', data: { command_id: 'c2' } };

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
        { type: 'StartProvisioning', commandId: pending },
        { type: 'RetryProvisioning', commandId: 'r' },
        { type: 'RestartWorkloads', commandId: 'w' },
      ];
    case 'ready':
      return [{ type: 'MarkReady', commandId: pending, endpoint: 'e' }];
    case 'failed':
      return [{ type: 'MarkFailed', commandId: pending, reason: 'r' }];
    case 'deprovisioning':
      return [{ type: 'RequestDeprovision', commandId: 'd' }];
    case 'deprovisioned':
      return [{ type: 'MarkDeprovisioned', commandId: pending }];
  }
}

describe('deployment transitions', () => {
  const pairs = Status.options.flatMap((from) =>
    Status.options.filter((to) => to !== from).map((to) => [from, to] as const),
  );

  it.each(pairs)('%s → %s is legal exactly when the table says so', (from, to) => {
    const state = HISTORY[from].reduce(evolve, initialState);
    const pending = state.status === 'absent' ? '' : state.pendingCommand;
    const legal = STATUS_TRANSITIONS[from].includes(to);
    const outcomes = commandsTowards(to, pending).map((command) => {
      try {
        const after = decide(command, state).reduce(evolve, state);
        return after.status === to ? 'moved' : 'stayed';
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
    given([]).when({ type: 'StartProvisioning', commandId: 'c1' }).thenThrows(ErrorCode.DeploymentNotFound);
  });

  it('starts provisioning when its driver takes the command', () => {
    given([requested]).when({ type: 'StartProvisioning', commandId: 'c1' }).then([started]);
  });

  it('becomes ready with the endpoint its driver reports', () => {
    given([requested, started])
      .when({ type: 'MarkReady', commandId: 'c1', endpoint: 'postgres://x:5432/postgres' })
      .then([ready]);
  });

  it('takes a repeated driver answer once', () => {
    given([requested, started, ready]).when({ type: 'MarkReady', commandId: 'c1', endpoint: 'other' }).then([]);
  });

  it('ignores an answer to a command it no longer waits on', () => {
    const retried: DeploymentEvent = { type: 'DeploymentRetriedV1', data: { command_id: 'c3' } };
    given([requested, started, failed, retried]).when({ type: 'MarkFailed', commandId: 'c1', reason: 'late' }).then([]);
  });

  it('cannot become ready before its driver started', () => {
    given([requested])
      .when({ type: 'MarkReady', commandId: 'c1', endpoint: 'e' })
      .thenThrows(ErrorCode.IllegalTransition);
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
      .when({ type: 'MarkFailed', commandId: 'c5', reason: 'image gone' })
      .then([{ type: 'DeploymentFailedV1', data: { command_id: 'c5', reason: 'image gone' } }]);
    given([requested, started, ready, restarted])
      .when({ type: 'MarkReady', commandId: 'c1', endpoint: 'late' })
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
