import { GetDeploymentRequest, parseRequest, Subjects, type DeploymentRef } from '@hearth/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DiscoverDeployment } from '../../app/discover-deployment/discover-deployment.js';

/** `console.deployment.get {slug}` → DeploymentRef | null, for any subsystem on the bus. */
@Controller()
export class DeploymentEndpoints {
  constructor(private readonly discoverDeployment: DiscoverDeployment) {}

  @MessagePattern(Subjects.deploymentGet)
  get(@Payload() body: unknown): Promise<DeploymentRef | null> {
    return this.discoverDeployment.run(parseRequest(GetDeploymentRequest, body).slug);
  }
}
