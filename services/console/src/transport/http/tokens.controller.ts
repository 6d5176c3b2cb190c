import { parseRequest, TokenCreateRequest, type TokenCreated } from '@hearth/contracts';
import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { OperatorAccess } from '../../app/operator-tokens/operator-tokens.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { BearerTokenGuard, Caller } from './caller.js';

@Controller('v1/tokens')
@UseGuards(BearerTokenGuard)
export class TokensController {
  constructor(private readonly access: OperatorAccess) {}

  @Post()
  create(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<TokenCreated> {
    return this.access.create(parseRequest(TokenCreateRequest, body), caller);
  }
}
