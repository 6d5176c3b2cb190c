import { GetDeploymentRequest, parseRequest, Subjects, type DeploymentRef } from '@hearth/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GetDeployment } from '../../app/get-deployment/get-deployment.js';

/** `console.deployment.get {slug}` → DeploymentRef | null, for any subsystem on the bus. */
@Controller()
export class DeploymentEndpoints {
  constructor(private readonly getDeployment: GetDeployment) {}

  @MessagePattern(Subjects.deploymentGet)
  get(@Payload() body: unknown): Promise<DeploymentRef | null> {
    return this.getDeployment.run(parseRequest(GetDeploymentRequest, body).slug);
  }
}
