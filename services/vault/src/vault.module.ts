import { Module, type DynamicModule } from '@nestjs/common';
import { ChangeVersions } from './app/change-versions/change-versions.js';
import { ListSecrets } from './app/list-secrets/list-secrets.js';
import { OperatorMetadata } from './app/operator-metadata/operator-metadata.js';
import { ManagePrincipals } from './app/principals/manage-principals.js';
import { ReadSecret } from './app/read-secret/read-secret.js';
import { WriteSecret } from './app/write-secret/write-secret.js';
import type { Vault } from './compose.js';
import { OperatorGuard } from './transport/http/operator.guard.js';
import { SecretsController } from './transport/http/secrets.controller.js';
import { PrincipalEndpoints } from './transport/nats/principal.endpoints.js';
import { SecretEndpoints } from './transport/nats/secret.endpoints.js';

/** The vault's wiring, in one place: composeVault builds the use cases, Nest only routes. */
@Module({})
export class VaultModule {
  static with(vault: Vault): DynamicModule {
    return {
      module: VaultModule,
      controllers: [SecretEndpoints, PrincipalEndpoints, SecretsController],
      providers: [
        { provide: ReadSecret, useValue: vault.readSecret },
        { provide: WriteSecret, useValue: vault.writeSecret },
        { provide: ListSecrets, useValue: vault.listSecrets },
        { provide: ChangeVersions, useValue: vault.changeVersions },
        { provide: ManagePrincipals, useValue: vault.principals },
        { provide: OperatorMetadata, useValue: vault.operatorMetadata },
        OperatorGuard,
      ],
    };
  }
}
