import {
  DeploymentListQuery,
  DeploymentRequest,
  ErrorCode,
  GetDeploymentRequest,
  HearthError,
  parseRequest,
  type DeploymentHistory,
  type DeploymentList,
  type DeploymentRef,
} from '@hearth/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CreateDeployment } from '../../app/create-deployment/create-deployment.js';
import { GetDeployment } from '../../app/get-deployment/get-deployment.js';
import { GetDeploymentHistory } from '../../app/get-deployment-history/get-deployment-history.js';
import { ListDeployments } from '../../app/list-deployments/list-deployments.js';
import { OperateDeployment } from '../../app/operate-deployment/operate-deployment.js';
import { authorize, type OperatorToken } from '../../domain/operator/operator.js';
import { BearerTokenGuard, Caller } from './caller.js';

const slugOf = (slug: string) => parseRequest(GetDeploymentRequest, { slug }).slug;

@Controller('v1/deployments')
@UseGuards(BearerTokenGuard)
export class DeploymentsController {
  constructor(
    private readonly createDeployment: CreateDeployment,
    private readonly getDeployment: GetDeployment,
    private readonly getDeploymentHistory: GetDeploymentHistory,
    private readonly listDeployments: ListDeployments,
    private readonly operateDeployment: OperateDeployment,
  ) {}

  @Post()
  create(@Body() body: unknown, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.createDeployment.run(parseRequest(DeploymentRequest, body), caller);
  }

  @Get()
  list(@Query() query: unknown, @Caller() caller: OperatorToken): Promise<DeploymentList> {
    authorize(caller, 'deployment.read');
    return this.listDeployments.run(parseRequest(DeploymentListQuery, query));
  }

  @Get(':slug')
  async get(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    authorize(caller, 'deployment.read');
    const ref = await this.getDeployment.run(slugOf(slug));
    if (!ref) throw new HearthError(ErrorCode.DeploymentNotFound, `no deployment ${slug}`);
    return ref;
  }

  @Get(':slug/history')
  history(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentHistory> {
    return this.getDeploymentHistory.run(slugOf(slug), caller);
  }

  @Delete(':slug')
  @HttpCode(202)
  deprovision(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.operateDeployment.deprovision(slugOf(slug), caller);
  }

  @Post(':slug/retry')
  @HttpCode(202)
  retry(@Param('slug') slug: string, @Caller() caller: OperatorToken): Promise<DeploymentRef> {
    return this.operateDeployment.retry(slugOf(slug), caller);
  }
}
