import { parseRequest, TokenCreateRequest, TokenName, type TokenCreated, type TokenRevoked } from '@hearth/contracts';
import { Body, Controller, Delete, Param, Post, UseGuards } from '@nestjs/common';
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

  @Delete(':name')
  revoke(@Param('name') name: string, @Caller() caller: OperatorToken): Promise<TokenRevoked> {
    return this.access.revoke(parseRequest(TokenName, name), caller);
  }
}
