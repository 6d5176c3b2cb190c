import { Controller, Get, Inject, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CallerGuard, Credential, type ConsoleRequest } from './caller.js';
import { passThrough, type Upstream } from './read-proxy.js';

/** Where the console finds the vault's and hatch's HTTP edges (CONSOLE_VAULT_URL, CONSOLE_HATCH_URL). */
export class ReadUpstreams {
  constructor(
    readonly vault: Upstream,
    readonly hatch: Upstream,
  ) {}

  static of(vaultUrl: string, hatchUrl: string): ReadUpstreams {
    return new ReadUpstreams(
      { name: 'the vault', base: vaultUrl, from: '/v1/vault/', to: '/v1/' },
      { name: 'hatch', base: hatchUrl, from: '/v1/audit/', to: '/v1/audit/' },
    );
  }
}

/**
 * The vault's and hatch's reads, for the web console on one origin. Only GET: the vault's writes from
 * the web are console routes of their own, which call the vault over NATS.
 */
@Controller('v1')
@UseGuards(CallerGuard)
export class ReadProxyController {
  constructor(@Inject(ReadUpstreams) private readonly upstreams: ReadUpstreams) {}

  @Get('vault/*rest')
  vault(
    @Credential() credential: NonNullable<ConsoleRequest['credential']>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return passThrough(this.upstreams.vault, credential.secret, request, response);
  }

  @Get('audit/*rest')
  audit(
    @Credential() credential: NonNullable<ConsoleRequest['credential']>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return passThrough(this.upstreams.hatch, credential.secret, request, response);
  }
}
