import {
  parseRequest,
  TokenCreateRequest,
  TokenName,
  type TokenCreated,
  type TokenList,
  type TokenRevoked,
} from '@hearth/contracts';
import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';
import { CreateToken } from '../../app/create-token/create-token.js';
import { ListTokens } from '../../app/list-tokens/list-tokens.js';
import { RevokeToken } from '../../app/revoke-token/revoke-token.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { CallerGuard, Caller } from './caller.js';
import { ApiRoute } from './openapi.js';

@Controller('v1/tokens')
@UseGuards(CallerGuard)
export class TokensController {
  constructor(
    private readonly createToken: CreateToken,
    private readonly revokeToken: RevokeToken,
    private readonly listTokens: ListTokens,
  ) {}

  @Post()
  @ApiRoute({
    summary: 'Create an operator token (admin); the token is shown once',
    body: 'TokenCreateRequest',
    reply: { description: 'created', schema: 'TokenCreated' },
    errors: { 403: 'not an admin', 409: 'name taken' },
  })
  create(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<TokenCreated> {
    return this.createToken.run(parseRequest(TokenCreateRequest, body), caller);
  }

  @Get()
  @ApiRoute({
    summary: 'The operator tokens by name: role, maker, creation time; never a token or its hash (admin)',
    reply: { description: 'the tokens', schema: 'TokenList' },
    errors: { 403: 'may not create tokens' },
  })
  list(@Caller() caller: OperatorToken): Promise<TokenList> {
    return this.listTokens.run(caller);
  }

  @Delete(':name')
  @ApiRoute({
    summary: 'Revoke an operator token (admin); other services stop taking it within their token cache period',
    reply: { description: 'revoked', schema: 'TokenRevoked' },
    errors: { 400: 'not a token name, or the bootstrap admin', 403: 'not an admin', 404: 'no such token' },
  })
  revoke(@Param('name') name: string, @Caller() caller: OperatorToken): Promise<TokenRevoked> {
    return this.revokeToken.run(parseRequest(TokenName, name), caller);
  }
}
