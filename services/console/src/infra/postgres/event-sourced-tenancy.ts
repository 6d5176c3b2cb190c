import type { Clock, Ids, UnitOfWork } from '@hearth/platform/ports';
import { handleCommand, type EventStore } from '@hearth/platform/postgres';
import type { CommandOrigin, Tenancy, TenancyRebuild } from '../../app/ports.js';
import { tenancyAudit } from '../../domain/operator/operator-audit.js';
import {
  kindOf,
  tenancyDecider,
  tenantStreamOf,
  upcastTenancyEvent,
  type TenancyCommand,
  type Tenant,
} from '../../domain/tenancy/tenancy.js';
import type { ConsoleAuditTrail } from './console-audit-trail.js';
import { eventMetadataOf } from './event-metadata.js';

/**
 * The tenancy tree as event streams, one a tenant, appended at expected version 0: two operators
 * racing for a slug conflict, and the loser's command, decided again, is refused as taken. The
 * projection row and the audit event commit with the event.
 */
export class EventSourcedTenancy implements Tenancy {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly store: EventStore,
    private readonly tables: Pick<TenancyRebuild, 'put'>,
    private readonly audit: Pick<ConsoleAuditTrail, 'queue'>,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {}

  async create(command: TenancyCommand, origin: CommandOrigin): Promise<Tenant> {
    const { state } = await handleCommand({
      unitOfWork: this.unitOfWork,
      store: this.store,
      decider: tenancyDecider,
      upcast: upcastTenancyEvent,
      stream: tenantStreamOf(kindOf(command), command.request.slug),
      command,
      metadata: eventMetadataOf(origin, this.clock, this.ids),
      newId: () => this.ids.next(),
      afterAppend: async ({ tx, state: after, appended }) => {
        if (after.status === 'absent') return;
        await this.tables.put(tx, after.tenant);
        await this.audit.queue(
          tx,
          appended.map((event) => tenancyAudit(event, after.tenant)),
        );
      },
    });
    if (state.status === 'absent') throw new Error(`tenant ${command.request.slug} not created`);
    return state.tenant;
  }
}
