import type { CredentialDetails, CredentialTypeInfo, SecretMetadata } from '@hearth/contracts';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { OperatorMetadata } from '../../app/operator-metadata/operator-metadata.js';
import { ApiRoute } from './openapi.js';
import { OperatorGuard } from './operator.guard.js';

/**
 * The operators' HTTP API for credentials: metadata, metadata fields, test results and history. No
 * value leaves this way — a generated (AUTO_MANAGED) one no more than any other: nothing here reads one.
 */
@Controller('v1')
@UseGuards(OperatorGuard)
export class CredentialsController {
  constructor(private readonly metadata: OperatorMetadata) {}

  /** `?prefix=&type=&environment=&active=&expiring_within_seconds=`. */
  @Get('credentials')
  @ApiRoute({
    summary:
      'Credentials under a prefix, narrowed by type, environment, active flag or expiry within N seconds (never a value)',
    query: 'SecretListRequest',
    reply: { description: 'the credentials, by path', schema: 'SecretMetadataList' },
    errors: { 400: 'a filter out of its grammar', 403: 'a role the vault does not let in' },
  })
  list(@Query() query: unknown): Promise<SecretMetadata[]> {
    return this.metadata.list(query);
  }

  /** `{path}` keeps its slashes: GET /v1/credentials/hearth/acme/db. */
  @Get('credentials/*path')
  @ApiRoute({
    summary: "A credential's metadata, versions and history: writes, tests, rotations, (de)activations (never a value)",
    reply: { description: 'the credential', schema: 'CredentialDetails' },
    errors: { 400: 'not a credential path', 403: 'a role the vault does not let in', 404: 'no such credential' },
  })
  credential(@Param('path') segments: string[] | string): Promise<CredentialDetails> {
    return this.metadata.credential(Array.isArray(segments) ? segments.join('/') : segments);
  }

  @Get('credential-types')
  @ApiRoute({
    summary: 'Every credential type: the system ones and the custom ones at their latest version, with their fields',
    reply: { description: 'the types, system ones first', schema: 'CredentialTypeList' },
    errors: { 403: 'a role the vault does not let in' },
  })
  types(): Promise<CredentialTypeInfo[]> {
    return this.metadata.credentialTypes();
  }
}
