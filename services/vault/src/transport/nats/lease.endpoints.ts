import {
  LeaseSubjects,
  type LeaseInfo,
  type LeaseRenewed,
  type LeasesRevoked,
  type SealedLease,
} from '@hearth/contracts';
import { NatsRequestContext } from '@hearth/platform/nest';
import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { IssueLease } from '../../app/leases/issue-lease.js';
import { ListLeases } from '../../app/leases/list-leases.js';
import { RenewLease } from '../../app/leases/renew-lease.js';
import { RevokeLeases } from '../../app/leases/revoke-leases.js';
import { signedRequestOf } from './signed.js';

/** The vault's lease endpoints: every one signed, each body validated by its use case after the signature. */
@Controller()
export class LeaseEndpoints {
  constructor(
    private readonly issueLease: IssueLease,
    private readonly renewLease: RenewLease,
    private readonly revokeLeases: RevokeLeases,
    private readonly listLeases: ListLeases,
  ) {}

  @MessagePattern(LeaseSubjects.leaseIssue)
  issue(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<SealedLease> {
    return this.issueLease.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.leaseRenew)
  renew(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeaseRenewed> {
    return this.renewLease.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.leaseRevoke)
  revoke(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeasesRevoked> {
    return this.revokeLeases.run(signedRequestOf(ctx, body));
  }

  @MessagePattern(LeaseSubjects.leaseList)
  list(@Payload() body: unknown, @Ctx() ctx: NatsRequestContext): Promise<LeaseInfo[]> {
    return this.listLeases.run(signedRequestOf(ctx, body));
  }
}
