import { ErrorCode, HearthError, type DeploymentHistory } from '@hearth/contracts';
import type { UnitOfWork } from '@hearth/platform/ports';
import type { EventStore } from '@hearth/platform/postgres';
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
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentHistory> {
    authorize(caller, 'deployment.read');
    const stored = await this.unitOfWork.run((tx) => this.store.readStream(tx, streamOf(slug)));
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
