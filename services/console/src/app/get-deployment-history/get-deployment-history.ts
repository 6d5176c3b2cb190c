import { ErrorCode, HearthError, type DeploymentHistory } from '@hearth/contracts';
import { historyEntryOf } from '../../domain/deployment/deployment-history.js';
import type { DeploymentUpcaster } from '../../domain/deployment/upcast.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments } from '../ports.js';

/**
 * A deployment's timeline, read from its event stream rather than the projection: every status it
 * went through, with the driver's failure reasons, which the DeploymentRef does not carry.
 */
export class GetDeploymentHistory {
  constructor(
    private readonly deployments: Pick<Deployments, 'history'>,
    private readonly upcast: DeploymentUpcaster,
  ) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentHistory> {
    authorize(caller, 'deployment.read');
    const stored = await this.deployments.history(slug);
    if (stored.length === 0) throw new HearthError(ErrorCode.DeploymentNotFound, `no deployment ${slug}`);
    return {
      workspace_slug: slug,
      entries: stored.map((event) =>
        historyEntryOf(this.upcast(event), {
          version: event.version,
          occurredAt: event.metadata.occurred_at,
        }),
      ),
    };
  }
}
