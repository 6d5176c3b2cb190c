import type { DeploymentRef } from '@hearth/contracts';
import { ChannelListener, type FastPath } from '@hearth/platform/postgres';
import type { Logger } from '@hearth/platform/logging';
import type {
  DataSource,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { DeploymentRefReader } from '../../app/ports.js';

/** What the deployment_refs trigger notifies at commit (migration DeploymentRefsNotify1767200000100). */
const CHANGED = 'deployment_refs_changed';

/** A lookup in flight: `stale` once a change to its slug was heard while it ran, so it is not kept. */
interface Load {
  readonly ref: Promise<DeploymentRef | null>;
  stale: boolean;
}

export interface DeploymentRefCacheOptions {
  /** How many slugs it holds at most, misses included; the oldest is dropped first. */
  entries: number;
  /** How long it waits before listening again after its LISTEN connection was lost. */
  relistenMs: number;
}

/**
 * Discovery's reads of deployment_refs, cached in this process and kept correct across console
 * replicas: every committed change to a row notifies `deployment_refs_changed` with its slug, and
 * each process evicts that slug (this process's own commits also evict it as they commit, so it
 * reads its own writes without waiting for the notification). A lookup overtaken by a change while
 * in flight is answered but not kept. While it is not listening (before start, after its connection
 * was lost, until it listens again) it keeps nothing and serves every lookup from the table, and it
 * drops everything each time it starts listening, since a change in between went unheard.
 * Bounded by `entries`, misses included: a flood of made-up slugs costs lookups, never memory.
 * Entries are frozen, so an edge may remember what it derived from one by identity.
 */
export class DeploymentRefCache implements Pick<DeploymentRefReader, 'get'> {
  private readonly entries = new Map<string, DeploymentRef | null>();
  private readonly loads = new Map<string, Load>();
  private readonly listener: ChannelListener;

  constructor(
    private readonly table: Pick<DeploymentRefReader, 'get'>,
    connections: Pick<FastPath, 'connect'>,
    logger: Logger,
    private readonly options: DeploymentRefCacheOptions,
  ) {
    // Lost, nothing held can be trusted; heard again, a change in between went unheard.
    const forgetAll = () => this.forgetAll();
    this.listener = new ChannelListener(
      connections,
      CHANGED,
      { notified: (slug) => this.forget(slug), lost: forgetAll, relistened: forgetAll },
      logger,
      options.relistenMs,
    );
  }

  /** How many slugs it holds now (a gauge). */
  get cached(): number {
    return this.entries.size;
  }

  /** Whether it hears changes now, and so may answer from memory. */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** Starts listening for changes; fails as its connection does (at start, the console does not start). */
  listen(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    this.forgetAll();
  }

  async get(slug: string): Promise<DeploymentRef | null> {
    if (!this.listener.listening) return this.table.get(slug);
    const hit = this.entries.get(slug);
    if (hit !== undefined) return hit;
    const running = this.loads.get(slug);
    if (running) return running.ref;
    const load: Load = { ref: this.table.get(slug).then((ref) => (ref ? Object.freeze(ref) : null)), stale: false };
    this.loads.set(slug, load);
    try {
      const ref = await load.ref;
      if (!load.stale && this.listener.listening) this.keep(slug, ref);
      return ref;
    } finally {
      if (this.loads.get(slug) === load) this.loads.delete(slug);
    }
  }

  /** Evicts `slug` (empty: everything), and lets no lookup of it already running be kept. */
  forget(slug: string): void {
    if (slug === '') return this.forgetAll();
    this.entries.delete(slug);
    const load = this.loads.get(slug);
    if (load) load.stale = true;
    this.loads.delete(slug);
  }

  private forgetAll(): void {
    this.entries.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
  }

  private keep(slug: string, ref: DeploymentRef | null): void {
    if (this.entries.size >= this.options.entries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(slug, ref);
  }
}

/** Where a transaction notes the slugs it wrote, on its query runner's own scratch space. */
const WRITTEN = 'deploymentRefsWritten';
type Written = { [WRITTEN]?: Set<string> };

/** Notes that the transaction on `runner` wrote the row of `slug`, for EvictOnCommit. */
export function noteRefWritten(runner: QueryRunner | undefined, slug: string): void {
  if (!runner) return;
  const data = runner.data as Written;
  (data[WRITTEN] ??= new Set()).add(slug);
}

/**
 * Evicts from this process's caches the rows a transaction wrote, as soon as it commits: the
 * notification would do it too, but a little later, and a use case reads its own writes.
 */
export class EvictOnCommit implements EntitySubscriberInterface {
  private readonly caches = new Set<Pick<DeploymentRefCache, 'forget'>>();

  /** The DataSource's one EvictOnCommit (its broadcaster calls every subscriber at each commit), registered on first use. */
  static of(dataSource: DataSource): EvictOnCommit {
    const registered = dataSource.subscribers.find((subscriber) => subscriber instanceof EvictOnCommit);
    if (registered) return registered;
    const created = new EvictOnCommit();
    dataSource.subscribers.push(created);
    return created;
  }

  /** Evicts from `cache` too, until the function it answers is called. */
  add(cache: Pick<DeploymentRefCache, 'forget'>): () => void {
    this.caches.add(cache);
    return () => this.caches.delete(cache);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive) return; // a savepoint released: the outer transaction may still roll back
    const data = queryRunner.data as Written;
    for (const slug of data[WRITTEN] ?? []) for (const cache of this.caches) cache.forget(slug);
    delete data[WRITTEN];
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) delete (queryRunner.data as Written)[WRITTEN];
  }
}
