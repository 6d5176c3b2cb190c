import { ErrorCode, HearthError, type DeploymentRef } from '@hearth/contracts';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { DeploymentRefReader } from '../ports.js';

/** One deployment, as an operator asks for it. */
export class GetDeployment {
  constructor(private readonly refs: Pick<DeploymentRefReader, 'get'>) {}

  async run(slug: string, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.read');
    const ref = await this.refs.get(slug);
    if (!ref) throw new HearthError(ErrorCode.DeploymentNotFound, `no deployment ${slug}`);
    return ref;
  }
}
