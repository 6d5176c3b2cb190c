import { Module, type DynamicModule } from '@nestjs/common';
import { CreateDeployment } from './app/create-deployment/create-deployment.js';
import { GetDeployment } from './app/get-deployment/get-deployment.js';
import { GetDeploymentHistory } from './app/get-deployment-history/get-deployment-history.js';
import { ListDeployments } from './app/list-deployments/list-deployments.js';
import { OperateDeployment } from './app/operate-deployment/operate-deployment.js';
import { OperatorAccess } from './app/operator-tokens/operator-tokens.js';
import type { Console } from './compose.js';
import { BearerTokenGuard } from './transport/http/caller.js';
import { DeploymentsController } from './transport/http/deployments.controller.js';
import { OpenApiController } from './transport/http/openapi.js';
import { TokensController } from './transport/http/tokens.controller.js';
import { DeploymentEndpoints } from './transport/nats/deployment.endpoints.js';
import { TokenEndpoints } from './transport/nats/token.endpoints.js';

/** The console's wiring, in one place: the use cases are built by composeConsole, Nest only routes. */
@Module({})
export class ConsoleModule {
  static with(console: Console): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: [DeploymentsController, TokensController, OpenApiController, DeploymentEndpoints, TokenEndpoints],
      providers: [
        { provide: CreateDeployment, useValue: console.createDeployment },
        { provide: GetDeployment, useValue: console.getDeployment },
        { provide: GetDeploymentHistory, useValue: console.getDeploymentHistory },
        { provide: ListDeployments, useValue: console.listDeployments },
        { provide: OperateDeployment, useValue: console.operateDeployment },
        { provide: OperatorAccess, useValue: console.access },
        BearerTokenGuard,
      ],
    };
  }
}
