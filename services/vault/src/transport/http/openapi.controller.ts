import { Controller, Get } from '@nestjs/common';
import { CredentialsController } from './credentials.controller.js';
import { DynamicCredentialsController } from './dynamic-credentials.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { SecretsController } from './secrets.controller.js';

const document = openApiDocumentOf([SecretsController, CredentialsController, DynamicCredentialsController]);

/** The document itself needs no token: it describes routes, it holds nothing of the vault's. */
@Controller('v1')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof document {
    return document;
  }
}
