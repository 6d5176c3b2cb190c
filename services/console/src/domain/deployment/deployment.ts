import {
  ErrorCode,
  HearthError,
  type DeploymentEventBody,
  type DriverName,
  type SidecarSpec,
  type Status,
  type Tier,
  type WorkloadSpec,
} from '@hearth/contracts';
import type { Decider } from '@hearth/platform/ports';
import { canTransition } from './status.js';

// ── Events ───────────────────────────────────────────────────────────────────────────────────────
// Their schemas are in contracts (console/events.ts). `command_id` names the driver command a state
// waits on, so a late answer to an earlier command cannot move a newer one.

export type DeploymentEvent = DeploymentEventBody;

export type DeploymentEventType = DeploymentEvent['type'];

// ── Commands ─────────────────────────────────────────────────────────────────────────────────────

export type DeploymentCommand =
  | {
      type: 'RequestDeployment';
      slug: string;
      tier: Tier;
      driver: DriverName;
      /** Where placement put it. */
      engine: string;
      sidecars: SidecarSpec[];
      workloads?: WorkloadSpec[] | undefined;
      now: string;
      commandId: string;
    }
  /** A driver's answers: `driverSeq` is the answer's sequence in DRIVER_EVENTS (the order it was said in). */
  | { type: 'StartProvisioning'; commandId: string; driverSeq: number }
  | { type: 'MarkReady'; commandId: string; driverSeq: number; endpoint: string }
  | { type: 'MarkFailed'; commandId: string; driverSeq: number; reason: string }
  | { type: 'RetryProvisioning'; commandId: string }
  /** Start a ready deployment's workloads again: all, or the one named. */
  | { type: 'RestartWorkloads'; commandId: string; workload?: string | undefined }
  | { type: 'RequestDeprovision'; commandId: string }
  | { type: 'MarkDeprovisioned'; commandId: string; driverSeq: number };

// ── State ────────────────────────────────────────────────────────────────────────────────────────

export interface Deployment {
  slug: string;
  tier: Tier;
  driver: DriverName;
  /** The engine it lives on: every driver command for it goes to that engine's driver. */
  engine: string;
  sidecars: SidecarSpec[];
  workloads: WorkloadSpec[];
  requestedAt: string;
  status: Status;
  endpoint: string;
  failureReason: string | null;
  /** The driver command this deployment waits on. */
  pendingCommand: string;
  /** The DRIVER_EVENTS sequence of the last answer to it taken (0: none yet): an older one is stale. */
  answeredSeq: number;
}

export type DeploymentState = { status: 'absent' } | Deployment;

export const initialState: DeploymentState = { status: 'absent' };

export function evolve(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  if (event.type === 'DeploymentRequestedV1') {
    const { data } = event;
    return {
      slug: data.slug,
      tier: data.tier,
      driver: data.driver,
      engine: data.engine,
      sidecars: data.sidecars,
      workloads: data.workloads ?? [],
      requestedAt: data.requested_at,
      status: 'requested',
      endpoint: '',
      failureReason: null,
      pendingCommand: data.command_id,
      answeredSeq: 0,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'DeploymentProvisioningStartedV1':
      return { ...state, status: 'provisioning', answeredSeq: event.data.driver_seq ?? state.answeredSeq };
    case 'DeploymentReadyV1':
      return {
        ...state,
        status: 'ready',
        endpoint: event.data.endpoint,
        failureReason: null,
        answeredSeq: event.data.driver_seq ?? state.answeredSeq,
      };
    case 'DeploymentFailedV1':
      return {
        ...state,
        status: 'failed',
        failureReason: event.data.reason,
        answeredSeq: event.data.driver_seq ?? state.answeredSeq,
      };
    case 'DeploymentRetriedV1':
    case 'DeploymentRestartRequestedV1':
      return {
        ...state,
        status: 'provisioning',
        failureReason: null,
        pendingCommand: event.data.command_id,
        answeredSeq: 0,
      };
    case 'DeploymentDeprovisionRequestedV1':
      return { ...state, status: 'deprovisioning', pendingCommand: event.data.command_id, answeredSeq: 0 };
    case 'DeploymentDeprovisionedV1':
      return {
        ...state,
        status: 'deprovisioned',
        endpoint: '',
        answeredSeq: event.data.driver_seq ?? state.answeredSeq,
      };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

// ── Decisions ────────────────────────────────────────────────────────────────────────────────────

export function decide(command: DeploymentCommand, state: DeploymentState): DeploymentEvent[] {
  if (command.type === 'RequestDeployment') {
    if (state.status !== 'absent') {
      throw new HearthError(ErrorCode.DeploymentExists, `deployment ${command.slug} already exists`);
    }
    return [
      {
        type: 'DeploymentRequestedV1',
        data: {
          slug: command.slug,
          tier: command.tier,
          driver: command.driver,
          engine: command.engine,
          sidecars: command.sidecars,
          ...(command.workloads?.length ? { workloads: command.workloads } : {}),
          requested_at: command.now,
          command_id: command.commandId,
        },
      },
    ];
  }
  if (state.status === 'absent') {
    throw new HearthError(ErrorCode.DeploymentNotFound, 'no such deployment');
  }
  switch (command.type) {
    case 'StartProvisioning':
      // A start moves a requested deployment only: retry and restart are in provisioning from their
      // request, and after an outcome a start (the command delivered again, newer or not) is old news.
      if (state.status !== 'requested') return [];
      return answer(state, command, 'provisioning', (taken) => [provisioningStarted(taken)]);
    case 'MarkReady':
      // A newer ready may turn a failed deployment ready again (the driver tried again), never move
      // it: its endpoint follows from its slug and sidecars, so a ready naming another one than it had
      // is no retry of its driver's (anything holding the drivers' signing key could redirect it).
      if (
        command.commandId === state.pendingCommand &&
        state.status === 'failed' &&
        state.endpoint !== '' &&
        command.endpoint !== state.endpoint
      ) {
        throw new HearthError(ErrorCode.IllegalTransition, `a deployment's endpoint does not change`);
      }
      return answer(state, command, 'ready', (taken) => [
        { type: 'DeploymentReadyV1', data: { ...taken, endpoint: command.endpoint } },
      ]);
    case 'MarkFailed':
      return answer(state, command, 'failed', (taken) => [
        { type: 'DeploymentFailedV1', data: { ...taken, reason: command.reason } },
      ]);
    case 'MarkDeprovisioned':
      return answer(state, command, 'deprovisioned', (taken) => [{ type: 'DeploymentDeprovisionedV1', data: taken }]);
    case 'RetryProvisioning':
      if (state.status !== 'failed') {
        throw new HearthError(
          ErrorCode.IllegalTransition,
          `only a failed deployment is retried; this one is ${state.status}`,
        );
      }
      return [{ type: 'DeploymentRetriedV1', data: { command_id: command.commandId } }];
    case 'RestartWorkloads': {
      // A failed deployment is not restarted: retry provisions it whole, workloads included.
      if (state.status !== 'ready') {
        throw new HearthError(
          ErrorCode.IllegalTransition,
          `only a ready deployment's workloads are restarted; this one is ${state.status}`,
        );
      }
      const { workload } = command;
      if (
        state.workloads.length === 0 ||
        (workload !== undefined && !state.workloads.some((w) => w.name === workload))
      ) {
        throw new HearthError(
          ErrorCode.WorkloadNotFound,
          workload === undefined ? 'this deployment has no workloads' : `no workload ${workload} in this deployment`,
        );
      }
      return [
        {
          type: 'DeploymentRestartRequestedV1',
          data: { command_id: command.commandId, ...(workload === undefined ? {} : { workload }) },
        },
      ];
    }
    case 'RequestDeprovision':
      if (state.status === 'deprovisioning' || state.status === 'deprovisioned') return [];
      guard(state, 'deprovisioning');
      return [{ type: 'DeploymentDeprovisionRequestedV1', data: { command_id: command.commandId } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** The outcomes of a command: a newer answer to the same command may turn one into the other. */
const OUTCOMES: ReadonlySet<Status> = new Set(['ready', 'failed']);

/**
 * A driver's answer to a command, in the order the driver gave its answers (their DRIVER_EVENTS
 * sequence), whatever order they arrive in. An answer to a command this deployment no longer waits on,
 * one older than the last answer taken (delivered late, or again), or a repeat of where the deployment
 * already is, changes nothing. A newer answer to the same command is the newer truth: a ready the driver
 * gave after a failed one (it tried again) makes the deployment ready, and the other way round.
 */
function answer(
  state: Deployment,
  { commandId, driverSeq }: { commandId: string; driverSeq: number },
  to: Status,
  events: (taken: { command_id: string; driver_seq: number }) => DeploymentEvent[],
): DeploymentEvent[] {
  if (commandId !== state.pendingCommand || driverSeq <= state.answeredSeq || state.status === to) return [];
  const taken = { command_id: commandId, driver_seq: driverSeq };
  // The outcome came before the start (console replicas share the driver's events, so one may take
  // the outcome while another still holds the start): an outcome of the command implies its start,
  // and the start, older, then changes nothing.
  if (state.status === 'requested' && OUTCOMES.has(to)) return [provisioningStarted(taken), ...events(taken)];
  const newerOutcome = state.answeredSeq > 0 && OUTCOMES.has(state.status) && OUTCOMES.has(to);
  if (!newerOutcome) guard(state, to);
  return events(taken);
}

function provisioningStarted(taken: { command_id: string; driver_seq: number }): DeploymentEvent {
  return { type: 'DeploymentProvisioningStartedV1', data: taken };
}

function guard(state: Deployment, to: Status): void {
  if (!canTransition(state.status, to)) {
    throw new HearthError(ErrorCode.IllegalTransition, `a ${state.status} deployment cannot become ${to}`);
  }
}

export const deploymentDecider: Decider<DeploymentCommand, DeploymentEvent, DeploymentState> = {
  decide,
  evolve,
  initialState,
};

export function streamOf(slug: string): string {
  return `deployment-${slug}`;
}
