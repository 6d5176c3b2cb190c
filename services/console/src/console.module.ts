import { nestModuleOf } from '@hearth/platform/nest';
import type { DynamicModule } from '@nestjs/common';
import type { ConsoleUseCases } from './compose.js';
import { CallerGuard, WebOrigin } from './transport/http/caller.js';
import { DeploymentsController } from './transport/http/deployments.controller.js';
import { OpenApiController } from './transport/http/openapi.controller.js';
import { ParkedController } from './transport/http/parked.controller.js';
import { ReadProxyController, ReadUpstreams } from './transport/http/read-proxy.controller.js';
import { SessionController } from './transport/http/session.controller.js';
import { TenancyController } from './transport/http/tenancy.controller.js';
import { TokensController } from './transport/http/tokens.controller.js';
import { VaultWritesController } from './transport/http/vault-writes.controller.js';
import { DeploymentEndpoints } from './transport/nats/deployment.endpoints.js';
import { TenancyEndpoints } from './transport/nats/tenancy.endpoints.js';
import { TokenEndpoints } from './transport/nats/token.endpoints.js';

/** What the HTTP edge is told of its surroundings: the upstreams it proxies, and its origin as browsers see it. */
export interface WebEdge {
  upstreams: ReadUpstreams;
  origin: WebOrigin;
}

/** The console's edges: the controllers that route; the use cases are those composeConsole built. */
export function consoleModule(useCases: ConsoleUseCases, edge: WebEdge): DynamicModule {
  return nestModuleOf(
    [
      SessionController,
      DeploymentsController,
      TenancyController,
      TokensController,
      VaultWritesController,
      ParkedController,
      OpenApiController,
      ReadProxyController,
      DeploymentEndpoints,
      TenancyEndpoints,
      TokenEndpoints,
    ],
    useCases,
    [CallerGuard, { provide: ReadUpstreams, useValue: edge.upstreams }, { provide: WebOrigin, useValue: edge.origin }],
  );
}
