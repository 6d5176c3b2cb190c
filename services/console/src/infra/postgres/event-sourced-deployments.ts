import { Subjects, type DeploymentRef, type Envelope } from '@hearth/contracts';
import { enqueue } from '@hearth/platform/outbox';
import type { Clock, Ids, Transaction, UnitOfWork } from '@hearth/platform/ports';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import type { CommandOrigin, DeploymentRefRebuild, Deployments } from '../../app/ports.js';
import type { ConsoleAuditTrail } from './console-audit-trail.js';
import { eventMetadataOf } from './event-metadata.js';
import { deploymentDecider, streamOf, type DeploymentCommand } from '../../domain/deployment/deployment.js';
import { deploymentRefOf } from '../../domain/deployment/deployment-ref.js';
import { deploymentAudit } from '../../domain/operator/operator-audit.js';
import { driverCommandsFor } from '../../domain/deployment/driver-commands.js';
import type { DeploymentUpcaster } from '../../domain/deployment/upcast.js';

/**
 * Deployments as event streams in the console's store. A command is decided on the stream's state
 * and appended with the expected version; in the same transaction the deployment_refs row is updated
 * and the driver commands the new events call for, and the audit events of an operator's request,
 * are queued in the outbox.
 */
export class EventSourcedDeployments implements Deployments {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly store: EventStore,
    private readonly refs: Pick<DeploymentRefRebuild, 'put'>,
    private readonly audit: Pick<ConsoleAuditTrail, 'queue'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly upcast: DeploymentUpcaster,
  ) {}

  async execute(
    slug: string,
    command: DeploymentCommand,
    origin: CommandOrigin,
    tx?: Transaction,
  ): Promise<DeploymentRef | null> {
    const stream = streamOf(slug);
    const { state } = await handleCommand({
      unitOfWork: this.unitOfWork,
      ...(tx ? { tx } : {}),
      store: this.store,
      decider: deploymentDecider,
      upcast: this.upcast,
      stream,
      command,
      metadata: eventMetadataOf(origin, this.clock, this.ids),
      newId: () => this.ids.next(),
      afterAppend: async ({ tx, state: after, events, appended: stored }) => {
        const last = stored.at(-1);
        if (after.status === 'absent' || !last) return;
        const ref = deploymentRefOf(after);
        await this.refs.put(tx, ref, last.version);
        await enqueue(
          tx,
          driverCommandsFor(events, after).map((c) => ({
            id: c.id,
            subject: Subjects.driverCommand(after.driver, after.engine, after.slug),
            payload: { ...c, stream, version: last.version, metadata: last.metadata },
          })),
        );
        await this.audit.queue(
          tx,
          stored.flatMap((event) => deploymentAudit(event, ref) ?? []),
        );
      },
    });
    return state.status === 'absent' ? null : deploymentRefOf(state);
  }

  history(slug: string): Promise<Envelope[]> {
    return this.unitOfWork.run((tx) => this.store.readStream(tx, streamOf(slug)));
  }
}
