import {
  parseRequest,
  SecretDestroyRequest,
  SecretListRequest,
  SecretPathRequest,
  SecretReadRequest,
  SecretVersionsChange,
  SecretWriteRequest,
  VaultSubjects,
  type SealedSecret,
  type SecretMetadata,
  type SecretVersionInfo,
  type SecretWritten,
} from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ChangeVersions } from '../../app/change-versions/change-versions.js';
import { ListSecrets } from '../../app/list-secrets/list-secrets.js';
import { ReadSecret } from '../../app/read-secret/read-secret.js';
import { WriteSecret } from '../../app/write-secret/write-secret.js';
import { signedRequestOf } from './signed.js';

type Changed = Promise<{ path: string; versions: number[] }>;

/** The vault's secret endpoints: every one signed, every body validated by its contract. */
@Controller()
export class SecretEndpoints {
  constructor(
    private readonly readSecret: ReadSecret,
    private readonly writeSecret: WriteSecret,
    private readonly listSecrets: ListSecrets,
    private readonly changeVersions: ChangeVersions,
  ) {}

  @MessagePattern(VaultSubjects.read)
  read(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SealedSecret> {
    return this.readSecret.run(parseRequest(SecretReadRequest, body), signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.write)
  write(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretWritten> {
    return this.writeSecret.run(parseRequest(SecretWriteRequest, body), signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.list)
  list(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretMetadata[]> {
    return this.listSecrets.list(parseRequest(SecretListRequest, body).prefix, signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.versions)
  versions(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SecretVersionInfo[]> {
    return this.listSecrets.versions(parseRequest(SecretPathRequest, body).path, signedRequestOf(ctx));
  }

  @MessagePattern(VaultSubjects.delete)
  delete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Changed {
    return this.changeVersions.run(
      { type: 'DeleteVersions', ...parseRequest(SecretVersionsChange, body) },
      signedRequestOf(ctx),
    );
  }

  @MessagePattern(VaultSubjects.undelete)
  undelete(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Changed {
    return this.changeVersions.run(
      { type: 'UndeleteVersions', ...parseRequest(SecretVersionsChange, body) },
      signedRequestOf(ctx),
    );
  }

  @MessagePattern(VaultSubjects.destroy)
  destroy(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Changed {
    const { path, versions } = parseRequest(SecretDestroyRequest, body);
    return this.changeVersions.run(
      { type: 'DestroyVersions', path, versions: versions ?? 'all' },
      signedRequestOf(ctx),
    );
  }
}
