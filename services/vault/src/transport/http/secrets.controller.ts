import type { SecretMetadata, SecretVersionInfo } from '@hearth/contracts';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { OperatorMetadata } from '../../app/operator-metadata/operator-metadata.js';
import { ApiRoute } from './openapi.js';
import { OperatorGuard } from './operator.guard.js';

/** The operators' HTTP API: metadata only, never a value (reads go over NATS, signed and recorded). */
@Controller('v1/secrets')
@UseGuards(OperatorGuard)
export class SecretsController {
  constructor(private readonly metadata: OperatorMetadata) {}

  @Get()
  @ApiRoute({
    summary: 'Metadata of the secrets under a prefix (paths, versions, provider, tags, value names; never a value)',
    query: 'SecretListRequest',
    reply: { description: 'the secrets, by path', schema: 'SecretMetadataList' },
    errors: { 400: 'not a prefix', 403: 'a role the vault does not let in' },
  })
  list(@Query() query: unknown): Promise<SecretMetadata[]> {
    return this.metadata.list(query);
  }

  /** `{path}` keeps its slashes: GET /v1/secrets/hearth/acme/versions. */
  @Get('*path/versions')
  @ApiRoute({
    summary: "A secret's versions: when, by whom, deleted or destroyed (never a value)",
    reply: { description: 'its versions, oldest first', schema: 'SecretVersionList' },
    errors: { 400: 'not a secret path', 403: 'a role the vault does not let in', 404: 'no such secret' },
  })
  versions(@Param('path') segments: string[] | string): Promise<SecretVersionInfo[]> {
    return this.metadata.versions(Array.isArray(segments) ? segments.join('/') : segments);
  }
}
