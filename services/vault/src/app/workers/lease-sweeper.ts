import { ErrorCode, HearthError, type LeaseState } from '@hearth/contracts';
import type { Clock, UnitOfWork } from '@hearth/platform/ports';
import { isIrrevocable, nextAttemptAt, type Backoff } from '../../domain/lease/backoff.js';
import { leaseIrrevocable, leaseRevoked } from '../../domain/lease/events.js';
import { lastErrorOf } from '../../domain/lease/lease.js';
import type { AuditTrail } from '../audit-trail.js';
import type { FailureLog, LeaseStore, StoredLease, TargetDatabases } from '../ports.js';

/** Who revokes expired leases, as their events and logs name it. */
export const LEASE_SWEEPER = 'vault.lease-sweeper';

export interface LeaseSweeperSettings {
  everyMs: number;
  /** How long a `creating` intent may stand before it is taken for a crash between intent and CREATE ROLE. */
  creatingStandsMs: number;
  /** Retries of a failed revocation, and of an engine whose database could not be reached. */
  backoff: Backoff;
}

/** Leases claimed at a time: small, so a vault killed mid-batch strands few claims. */
const BATCH = 20;
/**
 * How long a claim keeps other vaults off a lease, so how long a vault killed mid-batch delays the
 * rest of its batch. A claim that runs out while its batch is still being worked through (statements
 * waiting in a busy engine's DDL queue) only lets another vault repeat a revocation: harmless, since
 * a user already gone is done and the outcome is committed once, under the lease's row lock.
 */
const CLAIM_MS = 15_000;
const LIVE: ReadonlySet<LeaseState> = new Set(['creating', 'active']);

const isUnavailable = (error: unknown) => error instanceof HearthError && error.code === ErrorCode.EngineUnavailable;

/**
 * Revokes leases past their expiry, and `creating` intents older than any issue takes (a vault that
 * crashed between intent and CREATE ROLE), every `everyMs` and at once on start, so after a restart
 * what expired meanwhile goes within one interval.
 *
 * Each engine is swept on its own, concurrently: a tick leaves an engine whose sweep still runs to
 * it, so a slow or unreachable database never holds back another engine's. A sweep claims a batch
 * (moving its next attempt, so two vaults never take one lease and no transaction stays open while
 * the engine's database is asked), revokes each lease, and commits each outcome with its event. A
 * failed revocation is retried by the backoff and ends `irrevocable` after `maxAttempts`. An
 * unreachable database is not the lease's fault: the engine's sweep stops at the first such answer,
 * its claimed leases wait for the engine's own backoff without an attempt counted, and the engine is
 * left alone until then.
 */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | null = null;
  /** Engines being swept now. */
  private readonly sweeping = new Map<string, Promise<void>>();
  /** Engines whose database could not be reached: outages in a row, and when to try again. */
  private readonly outages = new Map<string, { count: number; until: Date }>();

  constructor(
    private readonly leases: Pick<LeaseStore, 'enginesDue' | 'claimDue' | 'find' | 'update'>,
    private readonly target: Pick<TargetDatabases, 'dropUser'>,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: Pick<AuditTrail, 'record'>,
    private readonly clock: Clock,
    private readonly log: FailureLog,
    private readonly settings: LeaseSweeperSettings,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.settings.everyMs);
    void this.tick();
  }

  /** Stops ticking and waits for the sweeps under way to finish the lease in hand and hand back the rest. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.sweeping.values());
  }

  private async tick(): Promise<void> {
    try {
      const now = this.clock.now();
      const due = await this.leases.enginesDue(now, this.creatingBefore(now));
      for (const engine of due) {
        if (!this.timer || this.sweeping.has(engine) || (this.outages.get(engine)?.until ?? now) > now) continue;
        this.sweeping.set(
          engine,
          this.sweep(engine, now)
            .catch((error: unknown) =>
              this.log.error({ err: error, engine }, 'a lease sweep failed; it runs again at the next interval'),
            )
            .finally(() => this.sweeping.delete(engine)),
        );
      }
    } catch (error) {
      this.log.error({ err: error }, 'the lease sweep failed; it runs again at the next interval');
    }
  }

  private creatingBefore(now: Date): Date {
    return new Date(now.getTime() - this.settings.creatingStandsMs);
  }

  /** Every lease of `engine` due at `now`, a batch at a time, until none is left or its database is out of reach. */
  private async sweep(engine: string, now: Date): Promise<void> {
    for (;;) {
      const claimUntil = new Date(this.clock.now().getTime() + CLAIM_MS);
      const claimed = await this.leases.claimDue(engine, now, this.creatingBefore(now), claimUntil, BATCH);
      const stopped = await this.revokeEach(engine, claimed);
      if (stopped || claimed.length < BATCH) return;
    }
  }

  /**
   * Revokes `claimed` one after another, each outcome committed while the next revocation runs, so the
   * engine's DDL queue never waits on the vault's own database. True when it stopped early: the
   * database out of reach, or this sweeper stopping.
   */
  private async revokeEach(engine: string, claimed: readonly StoredLease[]): Promise<boolean> {
    let committed = Promise.resolve();
    const commit = (outcome: () => Promise<void>) => {
      committed = committed
        .then(outcome)
        .catch((error: unknown) =>
          this.log.error({ err: error, engine }, 'a lease outcome was not recorded; its lease is taken again later'),
        );
    };
    try {
      for (const [index, lease] of claimed.entries()) {
        if (!this.timer) {
          commit(() => this.release(claimed.slice(index)));
          return true;
        }
        try {
          await this.target.dropUser(engine, lease.username, lease.revocation);
        } catch (error) {
          if (isUnavailable(error)) {
            const until = this.outOfReach(engine);
            commit(() => this.deferred(claimed.slice(index), until, error));
            return true;
          }
          this.outages.delete(engine);
          commit(() => this.failed(lease, error));
          continue;
        }
        this.outages.delete(engine);
        commit(() => this.revoked(lease));
      }
      return false;
    } finally {
      await committed;
    }
  }

  /** Claimed leases handed back, due again at once for any vault (this one is stopping). */
  private release(claimed: readonly StoredLease[]): Promise<void> {
    return this.unitOfWork.run(async (tx) => {
      for (const lease of claimed) await this.leases.update(tx, lease.leaseId, { nextAttemptAt: null });
    });
  }

  /** The user is gone: the lease revoked with its event, unless a caller revoked it meanwhile (and recorded that). */
  private revoked(lease: StoredLease): Promise<void> {
    return this.unitOfWork.run(async (tx) => {
      const current = await this.leases.find(lease.leaseId, tx);
      if (!current || !LIVE.has(current.state)) return;
      await this.leases.update(tx, lease.leaseId, {
        state: 'revoked',
        revokedAt: this.clock.now(),
        nextAttemptAt: null,
      });
      // As claimed: an intent whose issue finished after all is still one whose user this removed.
      const reason = lease.state === 'creating' ? 'rolled_back' : 'expired';
      await this.audit.record(tx, leaseRevoked(current, LEASE_SWEEPER, reason), LEASE_SWEEPER);
    });
  }

  /** One more failed attempt: retried by the backoff, or given up on (`irrevocable`) after the last. */
  private async failed(lease: StoredLease, error: unknown): Promise<void> {
    const reason = lastErrorOf(error);
    const gaveUp = await this.unitOfWork.run(async (tx) => {
      const current = await this.leases.find(lease.leaseId, tx);
      if (!current || !LIVE.has(current.state)) return false;
      const attempts = current.attempts + 1;
      const { backoff } = this.settings;
      if (!isIrrevocable(backoff, attempts)) {
        await this.leases.update(tx, lease.leaseId, {
          attempts,
          lastError: reason,
          nextAttemptAt: nextAttemptAt(backoff, this.clock.now(), attempts, this.random()),
        });
        return false;
      }
      await this.leases.update(tx, lease.leaseId, {
        state: 'irrevocable',
        attempts,
        lastError: reason,
        nextAttemptAt: null,
      });
      await this.audit.record(tx, leaseIrrevocable(current, LEASE_SWEEPER, attempts, reason), LEASE_SWEEPER);
      return true;
    });
    if (gaveUp) {
      const { leaseId, engine, username } = lease;
      this.log.error(
        { lease_id: leaseId, engine, username, reason },
        'a lease could not be revoked and is left to an operator (irrevocable)',
      );
    }
  }

  /** The engine's database could not be reached: it is left alone until the engine's backoff says. */
  private outOfReach(engine: string): Date {
    const count = (this.outages.get(engine)?.count ?? 0) + 1;
    const until = nextAttemptAt(this.settings.backoff, this.clock.now(), count, this.random());
    this.outages.set(engine, { count, until });
    return until;
  }

  /** Claimed leases of an engine out of reach wait for its backoff, no attempt counted: the database is not the lease's fault. */
  private deferred(claimed: readonly StoredLease[], until: Date, error: unknown): Promise<void> {
    const reason = lastErrorOf(error);
    return this.unitOfWork.run(async (tx) => {
      for (const lease of claimed) {
        const current = await this.leases.find(lease.leaseId, tx);
        if (current && LIVE.has(current.state))
          await this.leases.update(tx, lease.leaseId, { nextAttemptAt: until, lastError: reason });
      }
    });
  }
}
