import type { DriverCommand } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { answerTo } from '../../domain/answers.js';
import { workspaceSecretPath } from '../../domain/naming.js';
import type { AnswerPublisher, CredentialStore, DeploymentDirectory } from '../ports.js';
import type { Clock } from '@hearth/platform/ports';
import type { WorkspaceResources } from '../workspace-resources.js';

export type DeprovisionCommand = Extract<DriverCommand, { type: 'DeprovisionSidecarsV1' }>;

/** The states in which tearing down is what the deployment waits for (null: the console knows it no more). */
const TEARING_DOWN = new Set(['deprovisioning', 'deprovisioned', null]);

export interface DeprovisionDependencies {
  resources: Pick<WorkspaceResources, 'removeAll'>;
  vault: Pick<CredentialStore, 'destroyGenerated'>;
  answers: AnswerPublisher;
  directory: DeploymentDirectory;
  clock: Clock;
  logger: Logger;
}

/**
 * Removes a workspace's containers and network and destroys its generated credential (the vault
 * records that in HATCH). Safe to run again: what is already gone is skipped.
 */
export class DeprovisionSidecars {
  constructor(private readonly deps: DeprovisionDependencies) {}

  async run(command: DeprovisionCommand, traceId: string | null = null): Promise<void> {
    const { slug } = command.data;
    const status = await this.deps.directory.statusOf(slug);
    if (!TEARING_DOWN.has(status)) {
      // A stale delivery: the deployment was provisioned again since; tearing it down would be wrong.
      this.deps.logger.info({ slug, command_id: command.id, status }, 'deprovision command no longer wanted; skipped');
      return;
    }
    const removed = await this.deps.resources.removeAll(slug);
    const destroyed = await this.deps.vault.destroyGenerated(workspaceSecretPath(slug));
    this.deps.logger.info({ slug, command_id: command.id, removed, destroyed }, 'sidecars deprovisioned');
    await this.deps.answers.publish(
      answerTo(command, { type: 'SidecarsDeprovisionedV1', data: { slug } }, this.deps.clock.now(), traceId),
    );
  }
}
