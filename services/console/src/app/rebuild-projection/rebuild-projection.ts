import type { UnitOfWork } from '@hearth/platform/ports';
import { deploymentDecider, type DeploymentState } from '../../domain/deployment/deployment.js';
import { deploymentRefOf } from '../../domain/deployment/deployment-ref.js';
import { upcastDeploymentEvent } from '../../domain/deployment/upcast.js';
import type { DeploymentRefRebuild, EventLog } from '../ports.js';

const PAGE = 1_000;

/**
 * Drops the `deployment_refs` projection and replays every event into it, in one transaction:
 * readers see the old rows until the new ones commit. The rows come out identical because the
 * projection is a function of the events alone.
 *
 * Live commands write the projection in their own transactions, so the rebuild first makes its
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
  ) {}

  /**
   * At start (DESIGN invariant 5): a projection that misses a deployment, or holds one at an older
   * version than its events, is rebuilt before anything reads it. Unknown is never taken for gone:
   * discovery must not answer null for a deployment whose events exist. Answers the deployments
   * replayed, or null when the projection was current.
   */
  async runIfBehind(): Promise<number | null> {
    return (await this.refs.behindEvents()) ? this.run() : null;
  }

  async run(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      await this.refs.holdWriters(tx);
      const states = new Map<string, { state: DeploymentState; version: number }>();
      for (let after = 0n; ;) {
        const page = await this.events.readAllCommitted(tx, after, PAGE);
        for (const event of page) {
          if (!event.stream.startsWith('deployment-')) continue;
          const previous = states.get(event.stream)?.state ?? deploymentDecider.initialState;
          states.set(event.stream, {
            state: deploymentDecider.evolve(previous, upcastDeploymentEvent(event)),
            version: event.version,
          });
        }
        if (page.length < PAGE) break;
        after = page.at(-1)!.globalPosition;
      }
      await this.refs.clear(tx);
      for (const { state, version } of states.values()) {
        if (state.status !== 'absent') await this.refs.put(tx, deploymentRefOf(state), version);
      }
      return states.size;
    });
  }
}
