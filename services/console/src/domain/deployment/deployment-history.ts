import type { DeploymentHistoryEntry, Status } from '@hearth/contracts';
import type { DeploymentEvent } from './deployment.js';

/** Where the store put an event: its position in the stream and when it happened. */
export interface EventPlacement {
  version: number;
  occurredAt: string;
}

/**
 * One event as a step of the deployment's timeline: the status it moved the deployment to, the driver
 * command it concerns and, where it has one, the endpoint or the failure reason. This is how an
 * operator learns why a deployment failed, which its DeploymentRef (a fixed shape) cannot say.
 */
export function historyEntryOf(event: DeploymentEvent, at: EventPlacement): DeploymentHistoryEntry {
  const entry = (status: Status, detail: { endpoint?: string; reason?: string } = {}): DeploymentHistoryEntry => ({
    version: at.version,
    occurred_at: at.occurredAt,
    status,
    command_id: event.data.command_id,
    endpoint: detail.endpoint ?? null,
    reason: detail.reason ?? null,
  });
  switch (event.type) {
    case 'DeploymentRequestedV1':
      return entry('requested');
    case 'DeploymentProvisioningStartedV1':
    case 'DeploymentRetriedV1':
    case 'DeploymentRestartRequestedV1':
      return entry('provisioning');
    case 'DeploymentReadyV1':
      return entry('ready', { endpoint: event.data.endpoint });
    case 'DeploymentFailedV1':
      return entry('failed', { reason: event.data.reason });
    case 'DeploymentDeprovisionRequestedV1':
      return entry('deprovisioning');
    case 'DeploymentDeprovisionedV1':
      return entry('deprovisioned');
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
