import { DeploymentEventBody } from '@hearth/contracts';
import type { DeploymentEvent } from './deployment.js';

/**
 * Turns a stored event into the current event shape, checked against its schema. Stored events are
 * never rewritten: when an event gets a V2, the V1 → V2 mapping goes here.
 */
export function upcastDeploymentEvent(stored: { type: string; data: unknown }): DeploymentEvent {
  const event = DeploymentEventBody.safeParse({ type: stored.type, data: stored.data });
  if (!event.success) throw new Error(`not a deployment event this console reads: ${stored.type}`);
  return event.data;
}
