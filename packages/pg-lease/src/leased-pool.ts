import { ErrorCode, HearthError, type Lease, type VaultClient } from '@hearth/contracts';
import pg from 'pg';

/** What the pool asks of the vault: a VaultClient signing as a principal with `read` and `delete` on `db/creds/<role>`. */
export type LeaseSource = Pick<VaultClient, 'issueLease' | 'renewLease' | 'revokeLease'>;

export interface LeasedPoolOptions {
  vault: LeaseSource;
  role: string;
  /** Each lease's TTL in seconds (the role's default when omitted). */
  ttl?: number;
  /** Where the database is; the user and password come from the lease. */
  connection: Omit<pg.PoolConfig, 'user' | 'password'>;
  /** Renew once this fraction of a lease's time is left (1/3). */
  renewWhenLeft?: number;
  /**
   * Move to a new lease this long before the current one's max TTL ends, so that what runs on the
   * old connections finishes before that user is revoked: 30 s, or a quarter of the TTL if shorter.
   */
  handoverMs?: number;
  /** A renewal, handover or revocation that failed (the pool keeps serving and tries again). */
  onError?: (error: unknown) => void;
  /** Milliseconds since the epoch; tests may move time. */
  now?: () => number;
}

interface Held {
  lease: Lease;
  pool: pg.Pool;
}

/** A retry after a failed renewal or handover: soon, never later than a quarter of the time left. */
const RETRY_MS = 5_000;

/**
 * A `pg` pool on one leased database user at a time, for a service that queries steadily: it renews
 * its lease before it expires and, before the lease's max TTL, moves to a new lease — new connections
 * go to the new user while queries already running on the old one finish, and only then is the old
 * user revoked. No query fails at a lease's end, which is where apps on other tools break.
 */
export class LeasedPool {
  private timer: NodeJS.Timeout | null = null;
  private ended = false;
  private readonly now: () => number;

  private constructor(
    private held: Held,
    private readonly options: LeasedPoolOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.schedule();
  }

  static async open(options: LeasedPoolOptions): Promise<LeasedPool> {
    return new LeasedPool(await LeasedPool.take(options), options);
  }

  /** The lease in use, without its password. */
  get lease(): Omit<Lease, 'password'> {
    const { lease_id, username, ttl, expires_at, max_expires_at } = this.held.lease;
    return { lease_id, username, ttl, expires_at, max_expires_at };
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.held.pool.query<R>(text, values);
  }

  /** A client of the current user's pool; release it as usual. */
  connect(): Promise<pg.PoolClient> {
    return this.held.pool.connect();
  }

  /** Closes the connections, then revokes the lease. */
  async end(): Promise<void> {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    await this.retire(this.held);
  }

  private static async take({ vault, role, ttl, connection }: LeasedPoolOptions): Promise<Held> {
    const lease = await vault.issueLease(role, ttl);
    return { lease, pool: new pg.Pool({ ...connection, user: lease.username, password: lease.password }) };
  }

  private get handoverMs(): number {
    const ttlMs = this.held.lease.ttl * 1000;
    return this.options.handoverMs ?? Math.min(30_000, ttlMs / 4);
  }

  /** The next step: a renewal while the max TTL leaves room for one, else the handover; or a renewal retried. */
  private schedule(retryInMs?: number): void {
    if (this.ended) return;
    const { lease } = this.held;
    const handoverAt = Date.parse(lease.max_expires_at) - this.handoverMs;
    const renewAt = Date.parse(lease.expires_at) - lease.ttl * 1000 * (this.options.renewWhenLeft ?? 1 / 3);
    const [at, step] =
      retryInMs !== undefined
        ? [this.now() + retryInMs, () => this.renew()]
        : handoverAt <= renewAt
          ? [handoverAt, () => this.handOver()]
          : [renewAt, () => this.renew()];
    this.later(at - this.now(), step);
  }

  private later(delayMs: number, step: () => Promise<void>): void {
    this.timer = setTimeout(() => void step(), Math.max(0, delayMs));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const { lease } = this.held;
    try {
      const renewed = await this.options.vault.renewLease(lease.lease_id, this.options.ttl);
      this.held = { ...this.held, lease: { ...lease, ...renewed } };
      this.schedule();
    } catch (error) {
      if (error instanceof HearthError && error.code === ErrorCode.LeaseMaxTtl) return this.handOver();
      this.options.onError?.(error);
      const left = Date.parse(lease.expires_at) - this.now();
      if (left <= this.handoverMs) return this.handOver();
      this.schedule(Math.min(RETRY_MS, left / 4));
    }
  }

  private async handOver(): Promise<void> {
    if (this.ended) return;
    let next: Held;
    try {
      next = await LeasedPool.take(this.options);
    } catch (error) {
      this.options.onError?.(error);
      const left = Date.parse(this.held.lease.expires_at) - this.now();
      return this.later(Math.max(100, Math.min(RETRY_MS, left / 4)), () => this.handOver());
    }
    if (this.ended) return void (await this.retire(next));
    const old = this.held;
    this.held = next;
    this.schedule();
    await this.retire(old);
  }

  /** Waits for the old user's clients to come back and close, then revokes it. */
  private async retire({ lease, pool }: Held): Promise<void> {
    try {
      await pool.end();
      await this.options.vault.revokeLease(lease.lease_id);
    } catch (error) {
      // The vault's sweeper revokes it at its expiry in any case.
      this.options.onError?.(error);
    }
  }
}
