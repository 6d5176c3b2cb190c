import type { DriverEvent } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { DeploymentCommand } from '../../domain/deployment/deployment.js';
import type { Deployments } from '../ports.js';

/** What a driver reported, as the command it means for the deployment. */
export function commandFor(event: DriverEvent): DeploymentCommand {
  switch (event.type) {
    case 'ProvisioningStartedV1':
      return { type: 'StartProvisioning', commandId: event.data.command_id };
    case 'SidecarsProvisionedV1':
      return { type: 'MarkReady', commandId: event.data.command_id, endpoint: event.data.endpoint };
    case 'ProvisioningFailedV1':
      return { type: 'MarkFailed', commandId: event.data.command_id, reason: event.data.reason };
    case 'SidecarsDeprovisionedV1':
      return { type: 'MarkDeprovisioned', commandId: event.data.command_id };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** Moves a deployment's state machine on a driver's event. */
export class RecordDriverEvent {
  constructor(private readonly deployments: Pick<Deployments, 'execute'>) {}

  /** Runs inside the worker's transaction, so the event counts as processed only if it took effect. */
  async run(event: DriverEvent, tx: Transaction): Promise<void> {
    await this.deployments.execute(
      event.data.slug,
      commandFor(event),
      // The driver's event keeps the flow's correlation id: the deployment's events stay in one story.
      { actor: event.metadata.actor, causationId: event.id, correlationId: event.metadata.correlation_id },
      tx,
    );
  }
}
