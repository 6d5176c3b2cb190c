import { ErrorCode, HearthError } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import type { DeploymentPlan } from '../domain/plan/deployment-plan.js';
import type { WorkloadPlan } from '../domain/plan/workload-plan.js';
import { encodeBundle, INIT_SCRIPT, WORKLOAD_INIT } from '../domain/workload/delivery.js';
import type { ContainerEngine, CredentialResolver, ValueScrubber } from './ports.js';
import { waitUntilReady, type ReadinessOptions } from './readiness.js';
import type { WorkspaceResources } from './workspace-resources.js';

/** How many of a stopped workload's last log lines its failure's reason quotes (scrubbed of its values). */
const LAST_WORDS = 3;

export interface WorkloadDispatchDependencies {
  engine: Pick<ContainerEngine, 'createContainer' | 'placeFiles' | 'startWithInput' | 'stateOf' | 'exec' | 'logTail'>;
  resources: Pick<WorkspaceResources, 'workloadLabels'>;
  resolver: CredentialResolver;
  scrubber: ValueScrubber;
  logger: Logger;
  readiness: ReadinessOptions;
}

/**
 * Starts one workload with its credentials as the vault resolves them now: one resolution per
 * workload (it gets its own names only), the values handed to its init on stdin and nowhere else,
 * remembered by the scrubber only while they are in hand. It counts as started once the init says
 * they are delivered; a container that stops first fails the dispatch with its exit code and last
 * log lines. A failure's message is scrubbed here, while the values are still known.
 */
export class WorkloadDispatch {
  constructor(private readonly deps: WorkloadDispatchDependencies) {}

  async start(plan: DeploymentPlan, workload: WorkloadPlan, commandId: string): Promise<void> {
    const values = workload.names.length === 0 ? new Map<string, string>() : await this.resolve(plan, workload);
    for (const value of values.values()) this.deps.scrubber.remember(value);
    try {
      const id = await this.deps.engine.createContainer({
        name: workload.container,
        image: workload.image,
        env: workload.env,
        labels: this.deps.resources.workloadLabels(plan.slug, commandId, workload.name),
        network: plan.network,
        aliases: [workload.name],
        exposedPorts: workload.exposedPorts,
        binds: workload.binds,
        limits: plan.limits,
        workload: { entrypoint: workload.entrypoint, command: workload.command, tmpfs: workload.tmpfs },
      });
      await this.deps.engine.placeFiles(id, [
        { path: WORKLOAD_INIT, content: Buffer.from(INIT_SCRIPT, 'utf8'), mode: 0o555 },
      ]);
      await this.deps.engine.startWithInput(id, encodeBundle(values));
      await this.waitUntilDelivered(id, workload);
      this.deps.logger.info(
        { slug: plan.slug, workload: workload.name, names: workload.names },
        'workload started with its credentials',
      );
    } catch (error) {
      throw this.scrubbed(error);
    } finally {
      for (const value of values.values()) this.deps.scrubber.forget(value);
    }
  }

  /** Until the init marks the delivery done; a workload that stops first fails with its last words. */
  private async waitUntilDelivered(id: string, workload: WorkloadPlan): Promise<void> {
    try {
      await waitUntilReady(this.deps.engine, id, { ...workload, kind: 'workload' }, this.deps.readiness);
    } catch (error) {
      if (!(error instanceof HearthError) || (await this.deps.engine.stateOf(id)).running) throw error;
      const said = (await this.deps.engine.logTail(id, LAST_WORDS)).slice(-512);
      throw new HearthError(error.code, said === '' ? error.message : `${error.message}: ${said}`);
    }
  }

  private async resolve(plan: DeploymentPlan, workload: WorkloadPlan): Promise<Map<string, string>> {
    try {
      return await this.deps.resolver.resolve(plan.slug, workload.names);
    } catch (error) {
      if (!(error instanceof HearthError)) throw error;
      throw new HearthError(error.code, `workload ${workload.name}: ${error.message}`);
    }
  }

  private scrubbed(error: unknown): HearthError {
    return error instanceof HearthError
      ? new HearthError(error.code, this.deps.scrubber.scrub(error.message))
      : new HearthError(
          ErrorCode.Internal,
          this.deps.scrubber.scrub(error instanceof Error ? error.message : String(error)),
        );
  }
}
