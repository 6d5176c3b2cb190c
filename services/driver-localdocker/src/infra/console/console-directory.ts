import type { ConsoleClient, Status } from '@hearth/contracts';
import type { DeploymentDirectory } from '../../app/ports.js';

/** Asks the console, over NATS, where a deployment is at. */
export class ConsoleDirectory implements DeploymentDirectory {
  constructor(private readonly console: Pick<ConsoleClient, 'getWorkspaceDeployment'>) {}

  async statusOf(slug: string): Promise<Status | null> {
    return (await this.console.getWorkspaceDeployment(slug))?.last_status ?? null;
  }
}
