import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastPath } from './fast-path.js';

/**
 * One holder at a time among a service's replicas: a session advisory lock on a connection kept for
 * it. Postgres lets go when that session ends, a process killed by SIGKILL included, so a standby
 * asking every `retryMs` takes over within about that long. What it guards must stay correct without
 * it (two holders for a moment, while a silently cut connection times out): it spares the duplicate
 * work, it is no fence.
 */
export class SessionLock {
  private held: pg.PoolClient | null = null;

  constructor(
    private readonly connections: Pick<FastPath, 'connect'>,
    private readonly name: string,
    private readonly retryMs: number,
  ) {}

  /**
   * Resolves once this process holds the lock (at once if it does); `lost` runs if its connection
   * then ends. Rejects when `signal` aborts; a database out of reach is asked again after `retryMs`.
   */
  async acquire(signal: AbortSignal, lost: () => void): Promise<void> {
    while (!this.held) {
      signal.throwIfAborted();
      const client = await this.connections.connect().catch(() => null);
      if (client) {
        const ended = (error?: Error) => {
          if (this.held !== client) return;
          this.held = null;
          discard(client, error);
          lost();
        };
        client.on('error', ended);
        client.on('end', ended);
        const taken = await client
          .query<{ taken: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken', [this.name])
          .then(
            ({ rows }) => rows[0]!.taken,
            () => null,
          );
        if (taken) {
          this.held = client;
          return;
        }
        client.removeListener('error', ended);
        client.removeListener('end', ended);
        if (taken === null) discard(client);
        else client.release();
      }
      await sleep(this.retryMs, undefined, { signal });
    }
  }

  /** Lets go of the lock (and of its connection) if this process holds it. */
  async release(): Promise<void> {
    const client = this.held;
    this.held = null;
    if (!client) return;
    const failed = await client.query('SELECT pg_advisory_unlock_all()').then(
      () => false,
      () => true,
    );
    client.removeAllListeners('error');
    client.removeAllListeners('end');
    if (failed) discard(client);
    else client.release();
  }
}

/** Gives a connection back to be destroyed; errors it raises on its way out are no news. */
function discard(client: pg.PoolClient, error?: Error): void {
  client.removeAllListeners();
  client.on('error', () => undefined);
  client.release(error ?? true);
}
