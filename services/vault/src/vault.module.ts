import type { DynamicModule } from '@nestjs/common';
import { nestModuleOf } from '@hearth/platform/nest';
import type { VaultUseCases } from './compose.js';
import { DynamicCredentialsController } from './transport/http/dynamic-credentials.controller.js';
import { OpenApiController } from './transport/http/openapi.controller.js';
import { OperatorGuard } from './transport/http/operator.guard.js';
import { SecretsController } from './transport/http/secrets.controller.js';
import { LeaseEndpoints } from './transport/nats/lease.endpoints.js';
import { PrincipalEndpoints } from './transport/nats/principal.endpoints.js';
import { SessionEndpoints } from './transport/nats/session.endpoints.js';
import { SecretEndpoints } from './transport/nats/secret.endpoints.js';
import { EngineEndpoints } from './transport/nats/engine.endpoints.js';
import { RoleEndpoints } from './transport/nats/role.endpoints.js';
import { CredentialRotationEndpoints } from './transport/nats/credential-rotation.endpoints.js';
import { CredentialTestEndpoints } from './transport/nats/credential-test.endpoints.js';
import { CredentialEndpoints } from './transport/nats/credential.endpoints.js';
import { CredentialsController } from './transport/http/credentials.controller.js';

/** The vault's Nest module: its edges, routing to the use cases composeVault built. */
export function vaultModule(useCases: VaultUseCases): DynamicModule {
  return nestModuleOf(
    [
      SecretEndpoints,
      PrincipalEndpoints,
      SessionEndpoints,
      SecretsController,
      EngineEndpoints,
      RoleEndpoints,
      DynamicCredentialsController,
      LeaseEndpoints,
      CredentialRotationEndpoints,
      OpenApiController,
      CredentialTestEndpoints,
      CredentialEndpoints,
      CredentialsController,
    ],
    useCases,
    [OperatorGuard],
  );
}
