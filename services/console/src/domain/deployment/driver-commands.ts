import type { DriverCommand } from '@hearth/contracts';
import type { Deployment, DeploymentEvent } from './deployment.js';

/** A driver command before it is put in its envelope. */
export type DriverCommandBody = Pick<DriverCommand, 'id' | 'type' | 'data'>;

/**
 * The driver commands that events call for: a request or a retry provisions, a restart starts the
 * workloads again, a deprovision request tears down. Each command's id is the `command_id` the
 * deployment then waits on. The driver keeps no state, so the spec travels whole each time.
 */
export function driverCommandsFor(events: readonly DeploymentEvent[], state: Deployment): DriverCommandBody[] {
  return events.flatMap((event): DriverCommandBody[] => {
    switch (event.type) {
      case 'DeploymentRequestedV1':
      case 'DeploymentRetriedV1':
        return [
          {
            id: event.data.command_id,
            type: 'ProvisionSidecarsV1' as const,
            data: { ...specOf(state), ...(state.workloads.length ? { workloads: state.workloads } : {}) },
          },
        ];
      case 'DeploymentRestartRequestedV1':
        return [
          {
            id: event.data.command_id,
            type: 'RestartWorkloadsV1' as const,
            data: {
              ...specOf(state),
              workloads: state.workloads,
              ...(event.data.workload === undefined ? {} : { workload: event.data.workload }),
            },
          },
        ];
      case 'DeploymentDeprovisionRequestedV1':
        return [
          {
            id: event.data.command_id,
            type: 'DeprovisionSidecarsV1' as const,
            data: { slug: state.slug, driver: state.driver },
          },
        ];
      case 'DeploymentProvisioningStartedV1':
      case 'DeploymentReadyV1':
      case 'DeploymentFailedV1':
      case 'DeploymentDeprovisionedV1':
        return [];
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  });
}

function specOf(state: Deployment) {
  return { slug: state.slug, tier: state.tier, driver: state.driver, sidecars: state.sidecars };
}
