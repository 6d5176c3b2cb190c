import { Subjects, type DeploymentRef, type EventMetadata } from '@hearth/contracts';
import { correlation } from '@hearth/platform/logging';
import { enqueue } from '@hearth/platform/outbox';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import { currentTraceId } from '@hearth/platform/telemetry';
import { deploymentDecider, streamOf, type DeploymentCommand } from '../domain/deployment/deployment.js';
import { deploymentRefOf } from '../domain/deployment/deployment-ref.js';
import { driverCommandsFor } from '../domain/deployment/driver-commands.js';
import { upcastDeploymentEvent } from '../domain/deployment/upcast.js';
import type { DeploymentRefs } from '../infra/postgres/deployment-refs.js';
import type { Clock, Ids, Transaction, UnitOfWork } from '@hearth/platform/ports';

export interface CommandOrigin {
  actor: string;
  /** The event or request this command answers to. */
  causationId?: string | null;
  /** The flow's id when the command comes off the bus (a driver's event carries it); else the request's. */
  correlationId?: string;
}

/**
 * Runs one deployment command: decide on the stream's state, append with the expected version, and
 * in the same transaction update the `deployment_refs` row and queue the driver commands the new
 * events call for. Returns the ref as committed.
 */
export class DeploymentCommands {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly store: EventStore,
    private readonly refs: DeploymentRefs,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async execute(
    slug: string,
    command: DeploymentCommand,
    origin: CommandOrigin,
    tx?: Transaction,
  ): Promise<DeploymentRef | null> {
    const stream = streamOf(slug);
    const metadata = (): EventMetadata => ({
      actor: origin.actor,
      correlation_id: origin.correlationId ?? correlation.getStore() ?? this.ids.next(),
      causation_id: origin.causationId ?? null,
      trace_id: currentTraceId(),
      occurred_at: this.clock.now().toISOString(),
    });
    const { state } = await handleCommand({
      unitOfWork: this.unitOfWork,
      ...(tx ? { tx } : {}),
      store: this.store,
      decider: deploymentDecider,
      upcast: upcastDeploymentEvent,
      stream,
      command,
      metadata,
      newId: () => this.ids.next(),
      afterAppend: async ({ tx, state: after, events, appended: stored }) => {
        const last = stored.at(-1);
        if (after.status === 'absent' || !last) return;
        await this.refs.upsert(tx, deploymentRefOf(after), last.version);
        await enqueue(
          tx,
          driverCommandsFor(events, after).map((c) => ({
            id: c.id,
            subject: Subjects.driverCommand(after.driver, after.slug),
            payload: { ...c, stream, version: last.version, metadata: last.metadata },
          })),
        );
      },
    });
    return state.status === 'absent' ? null : deploymentRefOf(state);
  }
}
