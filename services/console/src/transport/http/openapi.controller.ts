import { Controller, Get } from '@nestjs/common';
import { DeploymentsController } from './deployments.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { TenancyController } from './tenancy.controller.js';
import { TokensController } from './tokens.controller.js';
import { VaultWritesController } from './vault-writes.controller.js';

const document = openApiDocumentOf([DeploymentsController, TenancyController, TokensController, VaultWritesController]);

@Controller('v1')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof document {
    return document;
  }
}
