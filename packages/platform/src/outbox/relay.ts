import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface RelayOptions {
  batchSize?: number;
  /** How long to wait for a notification before looking anyway. */
  pollMs?: number;
  /** After a notification, how long to let more messages gather before a batch (fewer round trips under load). */
  gatherMs?: number;
}

interface OutboxRow {
  position: string;
  message_id: string;
  subject: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * Moves committed outbox messages to JetStream, oldest first, with `Nats-Msg-Id` = message id.
 * A batch is deleted in the transaction that locked it, after JetStream acked every message:
 * killed mid-batch, the rows stay and the next run publishes them again, which JetStream
 * (duplicate window) and consumers (processed_messages) both absorb.
 */
export class OutboxRelay {
  private running = false;
  private wake: (() => void) | null = null;
  private listener: pg.PoolClient | null = null;
  private loop: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
    options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 256;
    this.pollMs = options.pollMs ?? 1_000;
    this.gatherMs = options.gatherMs ?? 5;
  }

  async start(): Promise<void> {
    this.running = true;
    this.listener = await this.pool.connect();
    this.listener.on('notification', () => this.wake?.());
    await this.listener.query('LISTEN outbox');
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.listener) {
      await this.listener.query('UNLISTEN outbox').catch(() => undefined);
      this.listener.release();
      this.listener = null;
    }
  }

  /** Seconds since the oldest message still waiting was enqueued (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const { rows } = await this.pool.query<{ lag: number | null }>(
      'SELECT EXTRACT(EPOCH FROM now() - min(enqueued_at))::float8 AS lag FROM outbox',
    );
    return rows[0]?.lag ?? 0;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const idle = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        const moved = await this.relayBatch();
        failures = 0;
        if (moved === this.batchSize) continue;
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'outbox relay failed; retrying');
        await sleep(Math.min(100 * 2 ** failures, 5_000));
        continue;
      }
      await Promise.race([idle, sleep(this.pollMs)]);
      if (this.running) await sleep(this.gatherMs);
    }
  }

  /** Publishes one batch; returns how many messages it moved. */
  async relayBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT position, message_id, subject, payload, headers FROM outbox
         ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      await Promise.all(rows.map((row) => this.publish(row)));
      await client.query('DELETE FROM outbox WHERE position = ANY($1::bigint[])', [rows.map((r) => r.position)]);
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async publish(row: OutboxRow): Promise<void> {
    const h = natsHeaders();
    for (const [key, value] of Object.entries(row.headers)) h.set(key, value);
    await this.js.publish(row.subject, row.payload, { msgID: row.message_id, headers: h });
  }
}
