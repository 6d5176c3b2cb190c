import type { DeploymentRef } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { ChannelListener, type FastPath } from '@hearth/platform/postgres';
import type { DeploymentChange, DeploymentChanges, DeploymentRefReader } from '../../app/ports.js';

/** What the deployment_refs trigger notifies at commit (migration DeploymentRefsNotify1767200000100). */
const CHANGED = 'deployment_refs_changed';

/**
 * Committed changes to deployment_refs, for this process's live streams: one LISTEN for all of them,
 * and one read of the row per notification, whoever listens (never one per stream). Reads run one
 * after the other, so a slug's changes reach every stream in commit order. A TRUNCATE (a projection
 * rebuild, which inserts every row again) is not passed on: the inserts are. A lost connection is:
 * a change may have gone unheard, so each stream ends and its client reloads.
 */
export class DeploymentRefFeed implements DeploymentChanges {
  private readonly listeners = new Set<(change: DeploymentChange) => void>();
  private readonly listener: ChannelListener;
  private reads: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: Pick<DeploymentRefReader, 'get'>,
    connections: Pick<FastPath, 'connect'>,
    private readonly logger: Logger,
    relistenMs: number,
  ) {
    this.listener = new ChannelListener(
      connections,
      CHANGED,
      {
        notified: (slug) => this.changed(slug),
        lost: () => this.emit({ kind: 'lost' }),
        relistened: () => undefined,
      },
      logger,
      relistenMs,
    );
  }

  listen(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    this.listeners.clear();
    return this.listener.stop();
  }

  /** Calls `listener` with every change from now on, until the function it answers is called. */
  subscribe(listener: (change: DeploymentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(slug: string): void {
    if (slug === '' || this.listeners.size === 0) return;
    this.reads = this.reads.then(async () => {
      try {
        const ref: DeploymentRef | null = await this.table.get(slug);
        this.emit(ref ? { kind: 'deployment', ref } : { kind: 'deleted', slug });
      } catch (error) {
        this.logger.warn({ err: error, slug }, 'could not read a changed deployment for its live streams');
        this.emit({ kind: 'lost' });
      }
    });
  }

  private emit(change: DeploymentChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
