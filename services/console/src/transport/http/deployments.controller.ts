import {
  DeploymentListQuery,
  DeploymentRequest,
  GetDeploymentRequest,
  parseRequest,
  RestartRequest,
  type DeploymentHistory,
  type DeploymentList,
  type DeploymentRef,
} from '@hearth/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  closedSignal,
  openEventStream,
  sseEvent,
  sseRefusal,
  SSE_KEEP_ALIVE,
  writeChunks,
} from '@hearth/platform/nest';
import type { Response } from 'express';
import { CreateDeployment } from '../../app/create-deployment/create-deployment.js';
import { GetDeployment } from '../../app/get-deployment/get-deployment.js';
import { GetDeploymentHistory } from '../../app/get-deployment-history/get-deployment-history.js';
import { ListDeployments } from '../../app/list-deployments/list-deployments.js';
import { OperateDeployment } from '../../app/operate-deployment/operate-deployment.js';
import { OperatorAccess } from '../../app/operator-access/operator-access.js';
import { WatchDeployments, type DeploymentWatchItem } from '../../app/watch-deployments/watch-deployments.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { CallerGuard, Caller, Credential, type ConsoleRequest } from './caller.js';
import { ApiRoute } from './openapi.js';

const slugOf = (slug: string) => parseRequest(GetDeploymentRequest, { slug }).slug;

@Controller('v1/deployments')
@UseGuards(CallerGuard)
export class DeploymentsController {
  constructor(
    private readonly createDeployment: CreateDeployment,
    private readonly getDeployment: GetDeployment,
    private readonly getDeploymentHistory: GetDeploymentHistory,
    private readonly listDeployments: ListDeployments,
    private readonly operateDeployment: OperateDeployment,
    private readonly watchDeployments: WatchDeployments,
    private readonly access: OperatorAccess,
  ) {}

  @Post()
  @ApiRoute({
    summary:
      'Request a deployment of a workspace in the tenancy tree: placed on the engine named, else the one with the fewest workspaces that has room; that engine’s driver is told to provision it',
    body: 'DeploymentRequest',
    reply: { description: 'requested', schema: 'DeploymentRef' },
    errors: {
      400: 'invalid request or slug, or a credential in a sidecar or workload env (CONSOLE.SECRET_IN_SPEC: secrets belong in the vault)',
      403: 'role may not write',
      404: 'no such workspace in the tenancy tree (CONSOLE.WORKSPACE_NOT_FOUND), or no such engine (CONSOLE.ENGINE_UNKNOWN)',
      409: 'slug taken (CONSOLE.DEPLOYMENT_EXISTS), or the engine named, or every engine, is full (CONSOLE.ENGINE_FULL)',
    },
  })
  create(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.createDeployment.run(parseRequest(DeploymentRequest, body), caller);
  }

  @Get()
  @ApiRoute({
    summary: 'List deployments, paged by slug',
    query: 'DeploymentListQuery',
    reply: { description: 'a page', schema: 'DeploymentList' },
  })
  list(@Query() query: unknown, @Caller() caller: OperatorToken): Promise<DeploymentList> {
    return this.listDeployments.run(parseRequest(DeploymentListQuery, query), caller);
  }

  /**
   * Server-Sent Events: each committed change of a deployment (`deployment`, or `deleted`), a
   * keep-alive when quiet; ends with an `error` event once the caller no longer passes. Before
   * `:slug`, which would take `events` for a slug.
   */
  @Get('events')
  async events(
    @Caller() caller: OperatorToken,
    @Credential() credential: NonNullable<ConsoleRequest['credential']>,
    @Res() response: Response,
  ): Promise<void> {
    // Refused before a byte is written: an ordinary HTTP error.
    const items = this.watchDeployments.run(caller, () => this.access.recheck(credential), closedSignal(response));
    openEventStream(response, 'deployments');
    await writeChunks(response, sse(items));
  }

  @Get(':slug')
  @ApiRoute({
    summary: 'One deployment',
    reply: { description: 'found', schema: 'DeploymentRef' },
    errors: { 404: 'no such deployment' },
  })
  get(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.getDeployment.run(slugOf(slug), caller);
  }

  @Get(':slug/history')
  @ApiRoute({
    summary: 'A deployment’s timeline from its events: each status, with the endpoint or the failure reason',
    reply: { description: 'oldest first', schema: 'DeploymentHistory' },
    errors: { 400: 'invalid slug', 404: 'no such deployment' },
  })
  history(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentHistory> {
    return this.getDeploymentHistory.run(slugOf(slug), caller);
  }

  @Delete(':slug')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Deprovision a ready or failed deployment',
    reply: { description: 'deprovisioning', schema: 'DeploymentRef' },
    errors: { 409: 'illegal transition' },
  })
  deprovision(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.operateDeployment.deprovision(slugOf(slug), caller);
  }

  @Post(':slug/retry')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Retry a failed deployment',
    reply: { description: 'provisioning', schema: 'DeploymentRef' },
    errors: { 409: 'illegal transition' },
  })
  retry(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.operateDeployment.retry(slugOf(slug), caller);
  }

  @Post(':slug/restart')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Restart a ready deployment’s workloads (all, or `workload`), each resolving its credentials anew',
    body: 'RestartRequest',
    reply: { description: 'provisioning', schema: 'DeploymentRef' },
    errors: {
      400: 'invalid slug or body',
      403: 'role may not write',
      404: 'no such deployment, or no such workload in it (CONSOLE.WORKLOAD_NOT_FOUND)',
      409: 'the deployment is not ready (CONSOLE.ILLEGAL_TRANSITION)',
    },
  })
  restart(@Param('slug') slug: string, @Body() body: unknown, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    // A restart of every workload may come without a body.
    return this.operateDeployment.restart(slugOf(slug), parseRequest(RestartRequest, body ?? {}), caller);
  }
}

async function* sse(items: AsyncIterable<DeploymentWatchItem>): AsyncGenerator<string> {
  for await (const item of items) {
    switch (item.kind) {
      case 'deployment':
        yield sseEvent('deployment', item.ref);
        break;
      case 'deleted':
        yield sseEvent('deleted', { workspace_slug: item.slug });
        break;
      case 'idle':
        yield SSE_KEEP_ALIVE;
        break;
      case 'refused':
        yield sseRefusal(item.error);
        break;
      default: {
        const unknown: never = item;
        throw new Error(`unknown deployment stream item ${JSON.stringify(unknown)}`);
      }
    }
  }
}
