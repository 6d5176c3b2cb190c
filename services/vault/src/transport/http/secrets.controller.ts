import type { SecretMetadata, SecretVersionInfo } from '@hearth/contracts';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { OperatorMetadata } from '../../app/operator-metadata/operator-metadata.js';
import { OperatorGuard } from './operator.guard.js';

/** The operators' HTTP API: metadata only, never a value (reads go over NATS, signed and recorded). */
@Controller('v1/secrets')
@UseGuards(OperatorGuard)
export class SecretsController {
  constructor(private readonly metadata: OperatorMetadata) {}

  @Get()
  list(@Query() query: unknown): Promise<SecretMetadata[]> {
    return this.metadata.list(query);
  }

  /** `{path}` keeps its slashes: GET /v1/secrets/hearth/acme/versions. */
  @Get('*path/versions')
  versions(@Param('path') segments: string[] | string): Promise<SecretVersionInfo[]> {
    return this.metadata.versions(Array.isArray(segments) ? segments.join('/') : segments);
  }
}
