import type { DeploymentRef } from '@hearth/contracts';
import type { DeploymentRefs } from '../../infra/postgres/deployment-refs.js';

/** getWorkspaceDeployment: the pointer-only ref of a workspace, or null. The hot path. */
export class GetDeployment {
  constructor(private readonly refs: Pick<DeploymentRefs, 'get'>) {}

  run(slug: string): Promise<DeploymentRef | null> {
    return this.refs.get(slug);
  }
}
