import type { Logger } from '@hearth/platform/logging';
import type { FastPath } from '@hearth/platform/postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordFeed } from '../../app/ports.js';

/** Asked every poll, and after each (re)LISTEN. */
const HEAD = { name: 'hatch_audit_log_head', text: 'SELECT max(seq) AS seq FROM audit_log' };

/**
 * Knows the log's last committed seq and wakes whoever waits for it to move: live tails. Postgres
 * NOTIFY (sent at commit by the insert trigger, by whichever hatch replica appended) keeps it
 * prompt; a poll every `pollMs` keeps it right when the LISTEN connection is down.
 */
export class NotifiedRecordFeed implements RecordFeed {
  private head = 0;
  private readonly waiters = new Set<() => void>();
  private running = false;
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly fastPath: FastPath,
    private readonly logger: Logger,
    private readonly pollMs = 1_000,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    await this.poll().catch(() => undefined);
    this.loops = [this.listenLoop(), this.pollLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    for (const wake of this.waiters) wake();
    await Promise.all(this.loops);
  }

  /**
   * Resolves once the head is past `seq` (true), or when `signal` aborts, `timeoutMs` passes or the
   * feed stops, without it moving (false).
   */
  async waitBeyond(seq: number, signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    if (this.head > seq || signal.aborted) return this.head > seq;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const onWake = () => {
      if (this.head > seq || !this.running) wake();
    };
    this.waiters.add(onWake);
    signal.addEventListener('abort', wake, { once: true });
    const timer = setTimeout(wake, timeoutMs);
    try {
      await woken;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(onWake);
      signal.removeEventListener('abort', wake);
    }
    return this.head > seq;
  }

  private advance(seq: number): void {
    if (!(seq > this.head)) return;
    this.head = seq;
    for (const wake of this.waiters) wake();
  }

  /** A poll is the truth: should the log ever shrink (restored, tampered), the head follows it down. */
  private async poll(): Promise<void> {
    const rows = await this.fastPath.query<{ seq: string | null }>(HEAD, []);
    const seq = Number(rows[0]?.seq ?? 0);
    if (seq < this.head) this.head = seq;
    this.advance(seq);
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      await this.pause(this.pollMs);
      if (!this.running) break;
      // During a database outage this fails every time; the LISTEN loop already says so once.
      await this.poll().catch(() => undefined);
    }
  }

  private async listenLoop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.listenUntilLost();
        failures = 0;
      } catch (error) {
        if (failures++ === 0) this.logger.warn({ err: error }, 'audit log notifications lost; polling meanwhile');
        await this.pause(Math.min(250 * 2 ** failures, 5_000));
      }
    }
  }

  /** Holds one connection in LISTEN until it fails (throws) or the feed stops (returns). */
  private async listenUntilLost(): Promise<void> {
    const client = await this.fastPath.connect();
    let settle!: (error?: Error) => void;
    const lost = new Promise<Error | undefined>((resolve) => (settle = resolve));
    const onStop = () => settle();
    client.once('error', settle);
    client.once('end', () => settle(new Error('connection ended')));
    client.on('notification', (n) => this.advance(Number(n.payload)));
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    if (this.stopping.signal.aborted) settle();
    try {
      await Promise.race([client.query('LISTEN audit_log'), lost]);
      await this.poll(); // whatever committed while no one listened
      const error = await lost;
      if (error) throw error;
    } finally {
      this.stopping.signal.removeEventListener('abort', onStop);
      client.release(true); // a connection that listened is not handed to anyone else
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
