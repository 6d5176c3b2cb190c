import type { DeploymentRef } from '@hearth/contracts';
import type { Ids } from '@hearth/platform/ports';
import type { DeploymentCommand } from '../../domain/deployment/deployment.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments } from '../ports.js';

/**
 * What an operator asks of an existing deployment: tear it down (asking twice changes nothing) or
 * retry a failed one; each sends its driver a fresh command.
 */
export class OperateDeployment {
  constructor(
    private readonly deployments: Pick<Deployments, 'execute'>,
    private readonly ids: Ids,
  ) {}

  deprovision(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    return this.run(slug, 'RequestDeprovision', caller);
  }

  retry(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    return this.run(slug, 'RetryProvisioning', caller);
  }

  private async run(
    slug: string,
    type: Extract<DeploymentCommand['type'], 'RequestDeprovision' | 'RetryProvisioning'>,
    caller: OperatorToken,
  ): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    const ref = await this.deployments.execute(
      slug,
      { type, commandId: this.ids.next() },
      { actor: `operator:${caller.name}` },
    );
    return ref!;
  }
}
