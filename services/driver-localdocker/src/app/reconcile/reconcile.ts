import { SLUG_PATTERN, type Status } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { workspaceSecretPath } from '../../domain/naming.js';
import type { ContainerEngine, CredentialStore, DeploymentDirectory } from '../ports.js';
import type { WorkspaceResources } from '../workspace-resources.js';

export interface ReconcileDependencies {
  engine: Pick<ContainerEngine, 'startContainer'>;
  resources: Pick<WorkspaceResources, 'slugs' | 'containersOf' | 'removeAll'>;
  vault: Pick<CredentialStore, 'generatedPaths' | 'destroyGenerated'>;
  directory: DeploymentDirectory;
  logger: Logger;
}

export interface ReconcileReport {
  removed: string[];
  restarted: string[];
  left: string[];
}

/** Deployments whose sidecars and credentials must not exist. */
const GONE = new Set<Status | null>([null, 'deprovisioned', 'failed']);
/** Deployments a queued command is about to act on: the command finishes or undoes what is there. */
const PENDING = new Set<Status | null>(['requested', 'provisioning', 'deprovisioning']);

/**
 * Brings the engine and the vault in line with the console, by label: what belongs to a deployment
 * that is gone, failed or unknown is removed, credential included; a ready deployment's stopped
 * containers are started; a deployment with a command pending is left to that command (the work
 * queue delivers it again if the driver died on it). Run on start and then periodically.
 */
export class Reconcile {
  constructor(private readonly deps: ReconcileDependencies) {}

  async run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { removed: [], restarted: [], left: [] };
    const slugs = await this.deps.resources.slugs();
    for (const path of await this.deps.vault.generatedPaths('hearth/')) {
      const [, slug, ...rest] = path.split('/');
      if (slug !== undefined && rest.length === 0 && SLUG_PATTERN.test(slug)) slugs.add(slug);
    }
    for (const slug of [...slugs].sort()) {
      try {
        const status = await this.deps.directory.statusOf(slug);
        if (GONE.has(status)) {
          await this.deps.resources.removeAll(slug);
          await this.deps.vault.destroyGenerated(workspaceSecretPath(slug));
          report.removed.push(slug);
          this.deps.logger.info({ slug, status }, 'reconcile: removed what a gone deployment left');
        } else if (PENDING.has(status)) {
          report.left.push(slug);
        } else {
          const stopped = (await this.deps.resources.containersOf(slug)).filter((c) => !c.running);
          for (const container of stopped) await this.deps.engine.startContainer(container.id);
          if (stopped.length > 0) {
            report.restarted.push(slug);
            this.deps.logger.info({ slug, started: stopped.map((c) => c.name) }, 'reconcile: started stopped sidecars');
          }
        }
      } catch (error) {
        this.deps.logger.warn({ slug, err: error }, 'reconcile: workspace skipped this pass');
      }
    }
    return report;
  }
}
