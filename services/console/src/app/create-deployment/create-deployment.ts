import { ErrorCode, HearthError, type DeploymentRef, type DeploymentRequest } from '@hearth/contracts';
import type { Clock, Ids } from '@hearth/platform/ports';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments, TenancyReader } from '../ports.js';

/**
 * An operator asks for a deployment of a workspace in the tenancy tree: recorded as requested, and
 * its driver told to provision. A workspace is never removed, so once found it stays so while the
 * request commits.
 */
export class CreateDeployment {
  constructor(
    private readonly deployments: Pick<Deployments, 'execute'>,
    private readonly tree: Pick<TenancyReader, 'workspace'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async run(request: DeploymentRequest, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    if ((await this.tree.workspace(request.slug)) === null) {
      throw new HearthError(
        ErrorCode.WorkspaceNotFound,
        `no workspace ${request.slug} in the tenancy tree: create it first`,
      );
    }
    const ref = await this.deployments.execute(
      request.slug,
      { type: 'RequestDeployment', ...request, now: this.clock.now().toISOString(), commandId: this.ids.next() },
      { actor: `operator:${caller.name}` },
    );
    return ref!;
  }
}
