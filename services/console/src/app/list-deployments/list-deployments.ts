import type { DeploymentList, DeploymentListQuery } from '@hearth/contracts';
import type { DeploymentRefs } from '../../infra/postgres/deployment-refs.js';

export class ListDeployments {
  constructor(private readonly refs: Pick<DeploymentRefs, 'list'>) {}

  run(query: DeploymentListQuery): Promise<DeploymentList> {
    return this.refs.list(query);
  }
}
