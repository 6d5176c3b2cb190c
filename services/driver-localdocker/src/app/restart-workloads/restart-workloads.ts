import { ErrorCode, HearthError, type DriverCommand } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import type { Clock } from '@hearth/platform/ports';
import { answerTo, failureReason, type Answer } from '../../domain/answers.js';
import { Labels } from '../../domain/naming.js';
import { planOnThisHost, type PlanningDependencies } from '../deployment-planning.js';
import type { AnswerPublisher, ContainerEngine, DeploymentDirectory, ValueScrubber } from '../ports.js';
import type { WorkloadDispatch } from '../workload-dispatch.js';
import type { WorkspaceResources } from '../workspace-resources.js';

export type RestartCommand = Extract<DriverCommand, { type: 'RestartWorkloadsV1' }>;

/** The console moves a deployment back to provisioning while its workloads restart. */
const WANTING = new Set(['provisioning']);

export interface RestartDependencies extends PlanningDependencies {
  engine: Pick<ContainerEngine, 'inspectImage' | 'removeContainer'>;
  resources: Pick<WorkspaceResources, 'containersOf'>;
  workloads: Pick<WorkloadDispatch, 'start'>;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  scrubber: ValueScrubber;
  clock: Clock;
  logger: Logger;
}

/**
 * Starts a ready deployment's workloads again (all, or the one named), each with its credentials
 * resolved anew: how a rotated value reaches running work. Checked by the same plan as a
 * provisioning; the sidecars are left as they are. A workload's old container goes first (its values
 * go with its tmpfs); a failure removes what this restart made and answers ProvisioningFailedV1.
 */
export class RestartWorkloads {
  constructor(private readonly deps: RestartDependencies) {}

  async run(command: RestartCommand, traceId: string | null = null): Promise<void> {
    const { slug } = command.data;
    const status = await this.deps.directory.statusOf(slug);
    if (status === null || !WANTING.has(status)) {
      this.deps.logger.info({ slug, command_id: command.id, status }, 'restart command no longer wanted; skipped');
      return;
    }
    const answer = (a: Answer) => this.deps.answers.publish(answerTo(command, a, this.deps.clock.now(), traceId));
    await answer({ type: 'ProvisioningStartedV1', data: { slug } });
    let outcome: Answer;
    try {
      const endpoint = await this.restart(command);
      this.deps.logger.info({ slug, command_id: command.id, workload: command.data.workload }, 'workloads restarted');
      outcome = { type: 'SidecarsProvisionedV1', data: { slug, endpoint } };
    } catch (error) {
      const reason = failureReason(error, (text) => this.deps.scrubber.scrub(text));
      this.deps.logger.warn({ slug, command_id: command.id, reason }, 'restarting workloads failed');
      outcome = { type: 'ProvisioningFailedV1', data: { slug, reason } };
    }
    // Outside the try: an answer that could not be published is no failed restart; the command is delivered again.
    await answer(outcome);
  }

  private async restart(command: RestartCommand): Promise<string> {
    const plan = await planOnThisHost(command.data, this.deps);
    const named = command.data.workload;
    const chosen = plan.workloads.filter((w) => named === undefined || w.name === named);
    if (named !== undefined && chosen.length === 0) {
      throw new HearthError(ErrorCode.WorkloadNotFound, `the deployment has no workload ${named}`);
    }
    const removeChosen = async () => {
      const names = new Set(chosen.map((w) => w.name));
      const containers = await this.deps.resources.containersOf(plan.slug);
      const mine = containers.filter((c) => names.has(c.labels[Labels.workload] ?? ''));
      await Promise.all(mine.map((c) => this.deps.engine.removeContainer(c.id)));
    };
    await removeChosen();
    try {
      for (const workload of chosen) await this.deps.workloads.start(plan, workload, command.id);
    } catch (error) {
      await removeChosen().catch((cleanup: unknown) =>
        this.deps.logger.error({ slug: plan.slug, err: cleanup }, 'cleanup after a failed restart failed'),
      );
      throw error;
    }
    return plan.endpoint;
  }
}
