import type { UnitOfWork } from '@hearth/platform/ports';
import { deploymentDecider, type DeploymentState } from '../../domain/deployment/deployment.js';
import { deploymentRefOf } from '../../domain/deployment/deployment-ref.js';
import type { DeploymentUpcaster } from '../../domain/deployment/upcast.js';
import { tenancyDecider, upcastTenancyEvent, type TenantState } from '../../domain/tenancy/tenancy.js';
import type { DeploymentRefRebuild, EventLog, TenancyRebuild } from '../ports.js';

const PAGE = 1_000;

/** The streams of the tenancy tree: `org-…`, `team-…`, `workspace-…`. */
const TENANT_STREAM = /^(org|team|workspace)-/;

/**
 * Drops the console's projections (`deployment_refs`, and the tenancy tree's `orgs`, `teams`,
 * `workspaces`) and replays every event into them, in one transaction: readers see the old rows until
 * the new ones commit. The rows come out identical because each projection is a function of the
 * events alone.
 *
 * Live commands write the projections in their own transactions, so the rebuild first makes their
 * writers wait: a command that has already written its row holds a lock the rebuild waits for, so
 * its events are committed before they are read; one that has not yet written waits until the
 * rebuild commits and then writes its row over the rebuilt one. Without it, a command in flight would
 * commit events the rebuild never read, and the rebuild would put back the state from before them.
 */
export class RebuildProjection {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly events: EventLog,
    private readonly refs: DeploymentRefRebuild,
    private readonly tree: TenancyRebuild,
    private readonly upcast: DeploymentUpcaster,
  ) {}

  /**
   * At start (DESIGN invariant 5): a projection that misses a deployment or a tenant, or holds a
   * deployment at an older version than its events, is rebuilt before anything reads it. Unknown is
   * never taken for gone: discovery must not answer null for a deployment whose events exist, nor a
   * deployment be refused for a workspace that exists. Answers the streams replayed, or null when the
   * projections were current.
   */
  async runIfBehind(): Promise<number | null> {
    return (await this.refs.behindEvents()) || (await this.tree.behindEvents()) ? this.run() : null;
  }

  async run(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      await this.refs.holdWriters(tx);
      await this.tree.holdWriters(tx);
      const deployments = new Map<string, { state: DeploymentState; version: number }>();
      const tenants = new Map<string, TenantState>();
      for (let after = 0n; ;) {
        const page = await this.events.readAllCommitted(tx, after, PAGE);
        for (const event of page) {
          if (event.stream.startsWith('deployment-')) {
            const previous = deployments.get(event.stream)?.state ?? deploymentDecider.initialState;
            deployments.set(event.stream, {
              state: deploymentDecider.evolve(previous, this.upcast(event)),
              version: event.version,
            });
          } else if (TENANT_STREAM.test(event.stream)) {
            const previous = tenants.get(event.stream) ?? tenancyDecider.initialState;
            tenants.set(event.stream, tenancyDecider.evolve(previous, upcastTenancyEvent(event)));
          }
        }
        if (page.length < PAGE) break;
        after = page.at(-1)!.globalPosition;
      }
      await this.refs.clear(tx);
      for (const { state, version } of deployments.values()) {
        if (state.status !== 'absent') await this.refs.put(tx, deploymentRefOf(state), version);
      }
      await this.tree.clear(tx);
      for (const state of tenants.values()) {
        if (state.status !== 'absent') await this.tree.put(tx, state.tenant);
      }
      return deployments.size + tenants.size;
    });
  }
}
