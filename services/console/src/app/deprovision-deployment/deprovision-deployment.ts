import type { DeploymentRef } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { DeploymentCommands } from '../deployment-commands.js';
import type { Ids } from '../ports.js';

/** An operator tears a deployment down; asking twice changes nothing. */
export class DeprovisionDeployment {
  constructor(
    private readonly commands: Pick<DeploymentCommands, 'execute'>,
    private readonly ids: Ids,
  ) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    const ref = await this.commands.execute(
      slug,
      { type: 'RequestDeprovision', commandId: this.ids.next() },
      { actor: `operator:${caller.name}` },
    );
    return ref!;
  }
}
