import { ErrorCode, HearthError, type DeploymentRef, type DeploymentRequest } from '@hearth/contracts';
import type { Clock, Ids, UnitOfWork } from '@hearth/platform/ports';
import { placeDeployment, type EngineCapacity } from '../../domain/engine/placement.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import type { Deployments, EngineLoads, TenancyReader } from '../ports.js';

/**
 * An operator asks for a deployment of a workspace in the tenancy tree: placed on an engine,
 * recorded as requested, and that engine's driver told to provision. Placement counts and appends in
 * one transaction that holds every other placement back, so two requests never both take an
 * engine's last place. A workspace is never removed, so once found it stays so while the request commits.
 */
export class CreateDeployment {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly deployments: Pick<Deployments, 'execute'>,
    private readonly loads: EngineLoads,
    private readonly tree: Pick<TenancyReader, 'workspace'>,
    private readonly engines: readonly EngineCapacity[],
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async run(request: DeploymentRequest, caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.write');
    if ((await this.tree.workspace(request.slug)) === null) {
      throw new HearthError(
        ErrorCode.WorkspaceNotFound,
        `no workspace ${request.slug} in the tenancy tree: create it first`,
      );
    }
    const { engine: requested, ...spec } = request;
    const ref = await this.unitOfWork.run(async (tx) => {
      const engine = placeDeployment(requested, this.engines, await this.loads.holdAndCount(tx));
      return this.deployments.execute(
        request.slug,
        {
          type: 'RequestDeployment',
          ...spec,
          engine,
          now: this.clock.now().toISOString(),
          commandId: this.ids.next(),
        },
        { actor: `operator:${caller.name}` },
        tx,
      );
    });
    return ref!;
  }
}
