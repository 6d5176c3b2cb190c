import { ErrorCode, HearthError, type DeploymentHistory } from '@hearth/contracts';
import type { EventStore } from '@hearth/platform';
import type { EntityManager } from 'typeorm';
import { streamOf } from '../../domain/deployment/deployment.js';
import { historyEntryOf } from '../../domain/deployment/deployment-history.js';
import { upcastDeploymentEvent } from '../../domain/deployment/upcast.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';

/**
 * A deployment's timeline, read from its event stream rather than the projection: every status it
 * went through, with the driver's failure reasons, which the DeploymentRef does not carry.
 */
export class GetDeploymentHistory {
  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly manager: EntityManager,
  ) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentHistory> {
    authorize(caller, 'deployment.read');
    const stored = await this.store.readStream(this.manager, streamOf(slug));
    if (stored.length === 0) throw new HearthError(ErrorCode.DeploymentNotFound, `no deployment ${slug}`);
    return {
      workspace_slug: slug,
      entries: stored.map((event) =>
        historyEntryOf(upcastDeploymentEvent(event), {
          version: event.version,
          occurredAt: event.metadata.occurred_at,
        }),
      ),
    };
  }
}
