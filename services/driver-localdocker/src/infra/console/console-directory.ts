import type { ConsoleClient } from '@hearth/contracts';
import type { DeploymentDirectory } from '../../app/ports.js';
import type { Whereabouts } from '../../domain/reconcile/workspace-fate.js';

/** Asks the console, over NATS, where a deployment is at, as this driver's engine sees it. */
export class ConsoleDirectory implements DeploymentDirectory {
  constructor(
    private readonly console: Pick<ConsoleClient, 'getWorkspaceDeployment'>,
    private readonly engine: string,
  ) {}

  async statusOf(slug: string): Promise<Whereabouts> {
    const ref = await this.console.getWorkspaceDeployment(slug);
    if (ref === null) return null;
    return ref.engine === this.engine ? ref.last_status : 'elsewhere';
  }
}
