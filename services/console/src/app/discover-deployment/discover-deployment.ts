import type { DeploymentRef } from '@hearth/contracts';
import type { DeploymentRefReader } from '../ports.js';

/**
 * getWorkspaceDeployment, for any subsystem on the bus: the pointer-only ref of a workspace, or null.
 * The hot path; the bus is the services' own, so there is no operator to authorise.
 */
export class DiscoverDeployment {
  constructor(private readonly refs: Pick<DeploymentRefReader, 'get'>) {}

  run(slug: string): Promise<DeploymentRef | null> {
    return this.refs.get(slug);
  }
}
