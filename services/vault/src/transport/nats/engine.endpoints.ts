import { LeaseSubjects, type EngineHealth, type EngineInfo } from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ConfigureEngine } from '../../app/engines/configure-engine.js';
import { DeleteEngine } from '../../app/engines/delete-engine.js';
import { EngineQueries } from '../../app/engines/engine-queries.js';
import { RotateRoot } from '../../app/engines/rotate-root.js';
import { signedRequestOf } from './signed.js';

/** Engines: bodies are validated by the use case once the signature verified, so a malformed one is refused on the record. */
@Controller()
export class EngineEndpoints {
  constructor(
    private readonly configureEngine: ConfigureEngine,
    private readonly queries: EngineQueries,
    private readonly deleteEngine: DeleteEngine,
    private readonly rotateRoot: RotateRoot,
  ) {}

  @MessagePattern(LeaseSubjects.engineConfigure)
  configure(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<EngineInfo> {
    return this.configureEngine.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.engineGet)
  get(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<EngineInfo> {
    return this.queries.get(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.engineList)
  list(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<EngineInfo[]> {
    return this.queries.list(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.engineHealth)
  health(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<EngineHealth> {
    return this.queries.health(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.engineDelete)
  delete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<{ name: string; leases_forced: number }> {
    return this.deleteEngine.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.engineRotateRoot)
  rotate(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<EngineInfo> {
    return this.rotateRoot.run(signedRequestOf(ctx, body));
  }
}
