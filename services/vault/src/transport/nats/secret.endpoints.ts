import {
  VaultSubjects,
  type ResolvedSet,
  type SealedSecret,
  type SecretMetadata,
  type SecretVersionInfo,
  type SecretWritten,
} from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ChangeVersions, type VersionsChanged } from '../../app/change-versions/change-versions.js';
import { ListSecrets } from '../../app/list-secrets/list-secrets.js';
import { ReadSecret } from '../../app/read-secret/read-secret.js';
import { ResolveSecrets } from '../../app/resolve-secrets/resolve-secrets.js';
import { WriteSecret } from '../../app/write-secret/write-secret.js';
import { signedRequestOf } from './signed.js';

/**
 * The vault's secret endpoints: every one signed. Bodies are validated by their contract in the use
 * case, after the signature verified, so a malformed request of a known signer is refused on the record.
 */
@Controller()
export class SecretEndpoints {
  constructor(
    private readonly readSecret: ReadSecret,
    private readonly writeSecret: WriteSecret,
    private readonly listSecrets: ListSecrets,
    private readonly changeVersions: ChangeVersions,
    private readonly resolveSecrets: ResolveSecrets,
  ) {}

  @MessagePattern(VaultSubjects.read)
  read(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SealedSecret> {
    return this.readSecret.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.resolve)
  resolve(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<ResolvedSet> {
    return this.resolveSecrets.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.write)
  write(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretWritten> {
    return this.writeSecret.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.list)
  list(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretMetadata[]> {
    return this.listSecrets.list(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.versions)
  versions(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretVersionInfo[]> {
    return this.listSecrets.versions(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.delete)
  delete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<VersionsChanged> {
    return this.changeVersions.delete(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.undelete)
  undelete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<VersionsChanged> {
    return this.changeVersions.undelete(signedRequestOf(ctx, body));
  }

  @MessagePattern(VaultSubjects.destroy)
  destroy(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<VersionsChanged> {
    return this.changeVersions.destroy(signedRequestOf(ctx, body));
  }
}
