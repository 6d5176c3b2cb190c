import { Controller, Get } from '@nestjs/common';
import { DeploymentsController } from './deployments.controller.js';
import { openApiDocumentOf } from './openapi.js';
import { TokensController } from './tokens.controller.js';

const document = openApiDocumentOf([DeploymentsController, TokensController]);

@Controller('v1')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof document {
    return document;
  }
}
