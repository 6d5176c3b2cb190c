import {
  CredentialRotateBody,
  CredentialWriteBody,
  LeaseRenewBody,
  LeaseRenewRequest,
  parseRequest,
  SecretPathRequest,
  type CredentialRotation,
  type CredentialTestResult,
  type LeaseRenewed,
  type LeasesRevoked,
  type SecretWritten,
  type VaultSealKey,
} from '@hearth/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { VaultWrites } from '../../app/vault-writes/vault-writes.js';
import type { OperatorToken } from '../../domain/operator/operator.js';
import { CallerGuard, Caller } from './caller.js';
import { ApiRoute } from './openapi.js';

/** A `*name` route parameter keeps its slashes: its segments joined again. */
const joined = (segments: string[] | string) => (Array.isArray(segments) ? segments.join('/') : segments);
const pathOf = (segments: string[] | string) => parseRequest(SecretPathRequest, { path: joined(segments) }).path;
const leaseIdOf = (segments: string[] | string) =>
  parseRequest(LeaseRenewRequest.pick({ lease_id: true }), { lease_id: joined(segments) }).lease_id;

const refusals = {
  403: 'a role without the permission (AUTH.FORBIDDEN), or the vault refused (VAULT.POLICY_DENIED, …)',
};

/**
 * The web console's writes to the vault, carried over NATS as the console's own principal (no value
 * ever readable by it); reads of the vault are proxied to the vault's own HTTP API instead. A route
 * answers CONSOLE.VAULT_WRITES_UNCONFIGURED (503) when the console was given no principal, and the
 * vault's own refusals with their status.
 */
@Controller('v1')
@UseGuards(CallerGuard)
export class VaultWritesController {
  constructor(private readonly writes: VaultWrites) {}

  @Get('vault-seal-key')
  @ApiRoute({
    summary:
      "The vault's seal public key: a value typed in the browser is sealed to it, with its path, before it leaves",
    reply: { description: 'the key, base64 X25519', schema: 'VaultSealKey' },
  })
  sealKey(): VaultSealKey {
    return this.writes.sealKey();
  }

  /** `{path}` keeps its slashes: POST /v1/vault/credentials/hearth/acme/db/test. */
  @Post('vault/credentials/*path/test')
  @HttpCode(200)
  @ApiRoute({
    summary: "Test a credential's current version (log in, or make its request); the result is kept and audited",
    reply: { description: 'what the test found', schema: 'CredentialTestResult' },
    errors: { 400: 'not a credential path, or a type without a test', ...refusals, 404: 'no such credential' },
  })
  test(@Param('path') path: string[] | string, @Caller() caller: OperatorToken): Promise<CredentialTestResult> {
    return this.writes.testCredential(pathOf(path), caller);
  }

  @Post('vault/credentials/*path/rotate')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Rotate a credential: a USER one to the new values sealed in the body, an AUTO_MANAGED one to a value the vault makes (no body)',
    body: 'CredentialRotateBody',
    reply: { description: 'promoted, or pending until its sidecar took it', schema: 'CredentialRotation' },
    errors: { 400: 'not a credential path, or values not sealed for it', ...refusals, 404: 'no such credential' },
  })
  rotate(
    @Param('path') path: string[] | string,
    @Body() body: unknown,
    @Caller() caller: OperatorToken,
  ): Promise<CredentialRotation> {
    return this.writes.rotateCredential(pathOf(path), parseRequest(CredentialRotateBody, body ?? {}), caller);
  }

  @Put('vault/credentials/*path')
  @ApiRoute({
    summary:
      "Write a credential's next version: its metadata, and its values sealed to the vault's seal key with the path",
    body: 'CredentialWriteBody',
    reply: { description: 'written', schema: 'SecretWritten' },
    errors: {
      400: 'not a credential path, values not sealed for it, or fields its type refuses (VAULT.INVALID_FIELDS)',
      ...refusals,
      409: 'a stale check-and-set, or a provider that is not the path’s',
    },
  })
  write(
    @Param('path') path: string[] | string,
    @Body() body: unknown,
    @Caller() caller: OperatorToken,
  ): Promise<SecretWritten> {
    return this.writes.writeCredential(pathOf(path), parseRequest(CredentialWriteBody, body), caller);
  }

  /** `{lease_id}` keeps its slashes: POST /v1/vault/leases/db/creds/readonly/<id>/renew. */
  @Post('vault/leases/*lease_id/renew')
  @HttpCode(200)
  @ApiRoute({
    summary: "Renew a lease by `ttl` seconds (its role's default when not said), up to its role's max TTL",
    body: 'LeaseRenewBody',
    reply: { description: 'its new expiry', schema: 'LeaseRenewed' },
    errors: { 400: 'not a lease id', ...refusals, 404: 'no such lease', 409: 'ended, or at its max TTL' },
  })
  renew(
    @Param('lease_id') leaseId: string[] | string,
    @Body() body: unknown,
    @Caller() caller: OperatorToken,
  ): Promise<LeaseRenewed> {
    return this.writes.renewLease(leaseIdOf(leaseId), parseRequest(LeaseRenewBody, body ?? {}), caller);
  }

  @Delete('vault/leases/*lease_id')
  @ApiRoute({
    summary: 'Revoke a lease: its database user dropped with its sessions, then the lease ended',
    reply: { description: 'revoked, or failed (the sweeper tries again)', schema: 'LeasesRevoked' },
    errors: { 400: 'not a lease id', ...refusals, 404: 'no such lease', 409: 'ended already' },
  })
  revoke(@Param('lease_id') leaseId: string[] | string, @Caller() caller: OperatorToken): Promise<LeasesRevoked> {
    return this.writes.revokeLease(leaseIdOf(leaseId), caller);
  }
}
