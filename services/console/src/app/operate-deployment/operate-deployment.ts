import type { DeploymentRef, RestartRequest } from '@hearth/contracts';
import type { Ids } from '@hearth/platform/ports';
import type { DeploymentCommand } from '../../domain/deployment/deployment.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments } from '../ports.js';

/**
 * What an operator asks of an existing deployment: tear it down (asking twice changes nothing),
 * retry a failed one, or restart a ready one's workloads (so they resolve their credentials anew);
 * each sends its driver a fresh command.
 */
export class OperateDeployment {
  constructor(
    private readonly deployments: Pick<Deployments, 'execute'>,
    private readonly ids: Ids,
  ) {}

  deprovision(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    return this.run(slug, caller, (commandId) => ({ type: 'RequestDeprovision', commandId }));
  }

  retry(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    return this.run(slug, caller, (commandId) => ({ type: 'RetryProvisioning', commandId }));
  }

  restart(slug: string, request: RestartRequest, caller: OperatorToken): Promise<DeploymentRef> {
    return this.run(slug, caller, (commandId) => ({ type: 'RestartWorkloads', commandId, workload: request.workload }));
  }

  private async run(
    slug: string,
    caller: OperatorToken,
    command: (commandId: string) => DeploymentCommand,
  ): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    const ref = await this.deployments.execute(slug, command(this.ids.next()), { actor: `operator:${caller.name}` });
    return ref!;
  }
}
