import type { DeploymentEvent, DeploymentEventType } from './deployment.js';

const KNOWN: ReadonlySet<string> = new Set<DeploymentEventType>([
  'DeploymentRequestedV1',
  'DeploymentProvisioningStartedV1',
  'DeploymentReadyV1',
  'DeploymentFailedV1',
  'DeploymentRetriedV1',
  'DeploymentDeprovisionRequestedV1',
  'DeploymentDeprovisionedV1',
]);

/**
 * Turns a stored event into the current event shape. Stored events are never rewritten: when an
 * event gets a V2, the V1 → V2 mapping goes here.
 */
export function upcastDeploymentEvent(stored: { type: string; data: unknown }): DeploymentEvent {
  if (!KNOWN.has(stored.type)) throw new Error(`unknown deployment event type ${stored.type}`);
  return { type: stored.type, data: stored.data } as DeploymentEvent;
}
