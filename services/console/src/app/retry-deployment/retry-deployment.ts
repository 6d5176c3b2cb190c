import type { DeploymentRef } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { DeploymentCommands } from '../deployment-commands.js';
import type { Ids } from '../ports.js';

/** An operator retries a failed deployment: back to provisioning with a fresh driver command. */
export class RetryDeployment {
  constructor(
    private readonly commands: Pick<DeploymentCommands, 'execute'>,
    private readonly ids: Ids,
  ) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    const ref = await this.commands.execute(
      slug,
      { type: 'RetryProvisioning', commandId: this.ids.next() },
      { actor: `operator:${caller.name}` },
    );
    return ref!;
  }
}
