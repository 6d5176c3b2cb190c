import { SLUG_PATTERN } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { Labels, workspaceSecretPath } from '../../domain/naming.js';
import { workspaceFate, type ConsoleAnswer } from '../../domain/reconcile/workspace-fate.js';
import type { ContainerEngine, CredentialStore, DeploymentDirectory, DriverMetrics } from '../ports.js';
import type { WorkspaceResources } from '../workspace-resources.js';

export interface ReconcileDependencies {
  engine: Pick<ContainerEngine, 'startContainer' | 'stopContainer'>;
  resources: Pick<WorkspaceResources, 'slugs' | 'containersOf' | 'removeAll'>;
  vault: Pick<CredentialStore, 'generatedPaths' | 'destroyGenerated'>;
  directory: DeploymentDirectory;
  metrics: DriverMetrics;
  logger: Logger;
}

export interface ReconcileReport {
  removed: string[];
  restarted: string[];
  /** Unknown to the console: containers stopped, credential kept, for an operator to look at. */
  held: string[];
  left: string[];
}

/**
 * Brings the engine and the vault in line with the console, by label, as `workspaceFate` decides
 * from the console's answer: a deprovisioned or failed deployment's containers and credential are
 * removed; an unknown workspace is held (stopped, its credential kept, logged and counted); a ready
 * deployment's stopped containers are started (a held workspace the console knows again comes
 * back); a pending command or an unanswered question leaves everything as it is. Run on start and
 * then periodically, so the held list is the last pass's.
 */
export class Reconcile {
  constructor(private readonly deps: ReconcileDependencies) {}

  async run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { removed: [], restarted: [], held: [], left: [] };
    const local = await this.deps.resources.slugs();
    const slugs = new Set(local);
    for (const path of await this.deps.vault.generatedPaths('hearth/')) {
      const [, slug, ...rest] = path.split('/');
      if (slug !== undefined && rest.length === 0 && SLUG_PATTERN.test(slug)) slugs.add(slug);
    }
    for (const slug of [...slugs].sort()) {
      try {
        const answer = await this.answerFor(slug);
        // The vault is every engine's: a credential of another engine's deployment is its driver's business.
        if (answer === 'elsewhere' && !local.has(slug)) continue;
        const fate = workspaceFate(answer);
        switch (fate) {
          case 'destroy':
            await this.deps.resources.removeAll(slug);
            await this.deps.vault.destroyGenerated(workspaceSecretPath(slug));
            report.removed.push(slug);
            this.deps.logger.info({ slug, status: answer }, 'reconcile: removed what a gone deployment left');
            break;
          case 'hold':
            await this.hold(slug);
            report.held.push(slug);
            break;
          case 'restart':
            if (await this.startStopped(slug)) report.restarted.push(slug);
            break;
          case 'leave':
            report.left.push(slug);
            break;
          default: {
            const unexpected: never = fate;
            throw new Error(`unknown fate ${String(unexpected)}`);
          }
        }
      } catch (error) {
        this.deps.logger.warn({ slug, err: error }, 'reconcile: workspace skipped this pass');
      }
    }
    this.deps.metrics.held(report.held);
    return report;
  }

  private async answerFor(slug: string): Promise<ConsoleAnswer> {
    try {
      return await this.deps.directory.statusOf(slug);
    } catch (error) {
      this.deps.logger.warn({ slug, err: error }, 'reconcile: the console did not answer; workspace left as it is');
      return 'unanswered';
    }
  }

  /** Stops the workspace's running containers; its containers, network and credential stay. */
  private async hold(slug: string): Promise<void> {
    const containers = await this.deps.resources.containersOf(slug);
    for (const container of containers.filter((c) => c.running)) {
      await this.deps.engine.stopContainer(container.id);
    }
    this.deps.logger.warn(
      { slug, held: true, containers: containers.map((c) => c.name), credential: workspaceSecretPath(slug) },
      'reconcile: the console knows no such deployment; its sidecars are stopped and kept, its credential kept, for an operator',
    );
  }

  /**
   * Starts the workspace's stopped sidecars; true when there were any. A stopped workload is left
   * for a restart: its values come only with a dispatch, and started bare its init would refuse to run.
   */
  private async startStopped(slug: string): Promise<boolean> {
    const stopped = (await this.deps.resources.containersOf(slug)).filter(
      (c) => !c.running && c.labels[Labels.workload] === undefined,
    );
    for (const container of stopped) await this.deps.engine.startContainer(container.id);
    if (stopped.length > 0) {
      this.deps.logger.info({ slug, started: stopped.map((c) => c.name) }, 'reconcile: started stopped sidecars');
    }
    return stopped.length > 0;
  }
}
