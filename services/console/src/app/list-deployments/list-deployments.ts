import type { DeploymentList, DeploymentListQuery } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { DeploymentRefReader } from '../ports.js';

/** The deployments an operator pages through, by slug, of one status or all. */
export class ListDeployments {
  constructor(private readonly refs: Pick<DeploymentRefReader, 'list'>) {}

  run(query: DeploymentListQuery, caller: OperatorToken): Promise<DeploymentList> {
    authorize(caller, 'deployment.read');
    return this.refs.list(query);
  }
}
