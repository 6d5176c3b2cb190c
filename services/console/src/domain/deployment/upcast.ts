import { DeploymentEventBody } from '@hearth/contracts';
import type { DeploymentEvent } from './deployment.js';

/** Turns a stored deployment event into the current event shape, checked against its schema. */
export type DeploymentUpcaster = (stored: { type: string; data: unknown }) => DeploymentEvent;

/**
 * Reads stored events as the current shapes. Stored events are never rewritten: when an event gets a
 * V2, the V1 → V2 mapping goes here. A deployment requested before there were several engines names
 * none: it lives on `preEngine`, the engine of the one driver there was, which the console names first
 * in CONSOLE_ENGINES (a compose stack's `compose`, not necessarily `default`).
 */
export function deploymentUpcaster(preEngine: string): DeploymentUpcaster {
  return (stored) => {
    const data =
      stored.type === 'DeploymentRequestedV1' && isRecord(stored.data) && stored.data.engine === undefined
        ? { ...stored.data, engine: preEngine }
        : stored.data;
    const event = DeploymentEventBody.safeParse({ type: stored.type, data });
    if (!event.success) throw new Error(`not a deployment event this console reads: ${stored.type}`);
    return event.data;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
