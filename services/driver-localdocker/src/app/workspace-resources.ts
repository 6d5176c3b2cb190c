import { Labels } from '../domain/naming.js';
import type { ContainerEngine, ManagedContainer } from './ports.js';

/**
 * What this driver instance made for a workspace, found by its labels: Docker labels are the
 * driver's only state. Another instance's containers on the same engine are never touched.
 */
export class WorkspaceResources {
  constructor(
    private readonly engine: Pick<
      ContainerEngine,
      'listContainers' | 'removeContainer' | 'listNetworks' | 'removeNetwork'
    >,
    private readonly instance: string,
  ) {}

  /** The labels of a resource made for `slug` by `command`, for `sidecar` if it is a container. */
  labels(slug: string, command: string, sidecar?: string): Record<string, string> {
    return {
      [Labels.instance]: this.instance,
      [Labels.slug]: slug,
      [Labels.command]: command,
      ...(sidecar === undefined ? {} : { [Labels.sidecar]: sidecar }),
    };
  }

  /** The labels of a workload's container made for `slug` by `command`. */
  workloadLabels(slug: string, command: string, workload: string): Record<string, string> {
    return { ...this.labels(slug, command), [Labels.workload]: workload };
  }

  containersOf(slug: string): Promise<ManagedContainer[]> {
    return this.engine.listContainers({ [Labels.instance]: this.instance, [Labels.slug]: slug });
  }

  /** Every workspace this instance has a container or a network for. */
  async slugs(): Promise<Set<string>> {
    const mine = { [Labels.instance]: this.instance };
    const [containers, networks] = await Promise.all([
      this.engine.listContainers(mine),
      this.engine.listNetworks(mine),
    ]);
    return new Set(
      [...containers, ...networks].map((r) => r.labels[Labels.slug]).filter((s): s is string => s !== undefined),
    );
  }

  /** Removes the workspace's containers, then its networks. Returns how many things went. */
  async removeAll(slug: string): Promise<number> {
    const containers = await this.containersOf(slug);
    await Promise.all(containers.map((c) => this.engine.removeContainer(c.id)));
    const networks = await this.engine.listNetworks({ [Labels.instance]: this.instance, [Labels.slug]: slug });
    for (const network of networks) await this.engine.removeNetwork(network.id);
    return containers.length + networks.length;
  }
}

/** Runs one piece of work at a time: commands and reconcile passes never interleave. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
