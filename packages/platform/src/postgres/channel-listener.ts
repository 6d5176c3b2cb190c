import type pg from 'pg';
import type { Logger } from '../logging/index.js';
import type { FastPath } from './fast-path.js';

export interface ChannelHandlers {
  notified(payload: string): void;
  /** The connection is gone: notifications may be missed from now until `listening` runs again. */
  lost(): void;
  /** Listening again after a loss: whatever was missed meanwhile is to be looked at afresh. */
  relistened(): void;
}

/**
 * A LISTEN on one channel that outlives its connection. A database that resets or drops the
 * connection (a restart, a network cut) makes it emit `error`; unheard, that error ends the whole
 * process. It is dropped instead, the handlers told, and the channel listened to again every
 * `relistenMs` until it works or the listener stops.
 */
export class ChannelListener {
  private client: pg.PoolClient | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly connections: Pick<FastPath, 'connect'>,
    private readonly channel: string,
    private readonly handlers: ChannelHandlers,
    private readonly logger: Logger,
    private readonly relistenMs = 1_000,
  ) {}

  get listening(): boolean {
    return this.client !== null;
  }

  /** Listens; fails as its connection does (at start, the service does not start). */
  async start(): Promise<void> {
    const client = await this.connections.connect();
    client.on('notification', ({ payload }) => this.handlers.notified(payload ?? ''));
    // Stays attached after the client is dropped: a dead connection may still emit a second error.
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error(`the ${this.channel} LISTEN connection ended`)));
    try {
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    if (this.stopped) return client.release(true);
    this.client = client;
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.relisten) clearTimeout(this.relisten);
    const client = this.client;
    this.client = null;
    // Destroyed rather than pooled: a pooled connection would keep listening for nobody.
    client?.release(true);
    return Promise.resolve();
  }

  private lose(client: pg.PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.release(error);
    this.logger.warn({ err: error, channel: this.channel }, 'lost a LISTEN connection; listening again');
    this.handlers.lost();
    this.scheduleRelisten();
  }

  private scheduleRelisten(): void {
    if (this.stopped) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      this.start().then(
        () => {
          this.logger.info({ channel: this.channel }, 'listening again');
          this.handlers.relistened();
        },
        () => this.scheduleRelisten(), // the database is still away: said once, when it went
      );
    }, this.relistenMs);
  }
}
