import type { DeploymentRef, DeploymentRequest } from '@hearth/contracts';
import type { Clock, Ids } from '@hearth/platform/ports';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments } from '../ports.js';

/** An operator asks for a deployment: recorded as requested, and its driver told to provision. */
export class CreateDeployment {
  constructor(
    private readonly deployments: Pick<Deployments, 'execute'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async run(request: DeploymentRequest, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    const ref = await this.deployments.execute(
      request.slug,
      { type: 'RequestDeployment', ...request, now: this.clock.now().toISOString(), commandId: this.ids.next() },
      { actor: `operator:${caller.name}` },
    );
    return ref!;
  }
}
