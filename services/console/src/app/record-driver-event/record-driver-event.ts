import type { DriverEvent } from '@hearth/contracts';
import type { Transaction } from '@hearth/platform/ports';
import type { DeploymentCommand } from '../../domain/deployment/deployment.js';
import type { Deployments } from '../ports.js';

/** What a driver reported, as the command it means for the deployment; `driverSeq` is its DRIVER_EVENTS sequence. */
export function commandFor(event: DriverEvent, driverSeq: number): DeploymentCommand {
  const answer = { commandId: event.data.command_id, driverSeq };
  switch (event.type) {
    case 'ProvisioningStartedV1':
      return { type: 'StartProvisioning', ...answer };
    case 'SidecarsProvisionedV1':
      return { type: 'MarkReady', ...answer, endpoint: event.data.endpoint };
    case 'ProvisioningFailedV1':
      return { type: 'MarkFailed', ...answer, reason: event.data.reason };
    case 'SidecarsDeprovisionedV1':
      return { type: 'MarkDeprovisioned', ...answer };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** Moves a deployment's state machine on a driver's event. */
export class RecordDriverEvent {
  constructor(private readonly deployments: Pick<Deployments, 'execute'>) {}

  /**
   * Runs inside the worker's transaction, so the event counts as processed only if it took effect.
   * `driverSeq`, the event's DRIVER_EVENTS sequence, orders it among the driver's other answers.
   */
  async run(event: DriverEvent, driverSeq: number, tx: Transaction): Promise<void> {
    await this.deployments.execute(
      event.data.slug,
      commandFor(event, driverSeq),
      // The driver's event keeps the flow's correlation id: the deployment's events stay in one story.
      { actor: event.metadata.actor, causationId: event.id, correlationId: event.metadata.correlation_id },
      tx,
    );
  }
}
