import type { BusSigner } from '@hearth/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { FastPath, PreparedStatement } from '../postgres/fast-path.js';
import type { OutboxEntity } from '../postgres/platform-entities.js';

export interface RelayOptions {
  batchSize?: number;
  /** How long to wait for a notification before looking anyway. */
  pollMs?: number;
  /** After a notification, how long to let more messages gather before a batch (fewer round trips under load). */
  gatherMs?: number;
}

const MAX_BACKOFF_MS = 5_000;

function backoffMs(failures: number): number {
  return Math.min(100 * 2 ** failures, MAX_BACKOFF_MS);
}

type OutboxRow = Pick<OutboxEntity, 'position' | 'messageId' | 'subject' | 'payload' | 'headers'>;

/** The relay's statements: hot (every event that leaves a service passes them), so on the fast path. */
const LOCK_BATCH: PreparedStatement = {
  name: 'platform_outbox_lock_batch',
  text: `SELECT position, message_id AS "messageId", subject, payload, headers FROM outbox
         ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
};
const DELETE_BATCH: PreparedStatement = {
  name: 'platform_outbox_delete_batch',
  text: 'DELETE FROM outbox WHERE position = ANY($1::bigint[])',
};
const LAG: PreparedStatement = {
  name: 'platform_outbox_lag',
  text: 'SELECT EXTRACT(EPOCH FROM now() - min(enqueued_at))::float8 AS lag FROM outbox',
};

/**
 * Moves committed outbox messages to JetStream, oldest first, with `Nats-Msg-Id` = message id, each
 * signed by the service's key over its subject, id, headers and body (consumers refuse what is not). A batch
 * is deleted only after JetStream acked all of it: killed mid-batch, it is sent again, and JetStream's
 * duplicate window and consumers' processed_messages absorb the copies. A lost LISTEN connection is
 * replaced with backoff, the poll (`pollMs`) keeping messages moving meanwhile.
 */
export class OutboxRelay {
  private running = false;
  private wake: (() => void) | null = null;
  private listener: pg.PoolClient | null = null;
  private loop: Promise<void> | null = null;
  private relistening: Promise<void> | null = null;
  private stopping = new AbortController();
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;

  constructor(
    private readonly database: FastPath,
    private readonly js: JetStreamClient,
    private readonly signer: BusSigner,
    private readonly logger: Logger,
    options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 256;
    this.pollMs = options.pollMs ?? 1_000;
    this.gatherMs = options.gatherMs ?? 5;
  }

  async start(): Promise<void> {
    this.running = true;
    this.stopping = new AbortController();
    await this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    await this.relistening;
    const listener = this.listener;
    this.listener = null;
    if (listener) {
      const failed = await listener.query('UNLISTEN outbox').then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      // A healthy connection goes back to the pool without our handlers; a broken one keeps them.
      listener.removeAllListeners('notification');
      if (!failed) listener.removeAllListeners('error');
      listener.release(failed);
    }
  }

  private async listen(): Promise<void> {
    const client = await this.database.connect();
    this.listener = client;
    client.on('notification', () => this.wake?.());
    // Stays attached after the client is dropped: a dead connection may still emit a second error.
    client.on('error', (error) => this.lose(client, error));
    try {
      await client.query('LISTEN outbox');
    } catch (error) {
      this.drop(client, error);
      throw error;
    }
  }

  private lose(client: pg.PoolClient, error: Error): void {
    if (this.listener !== client) return;
    this.drop(client, error);
    if (!this.running) return;
    this.logger.warn({ err: error }, 'outbox relay lost its LISTEN connection; listening again');
    this.relistening ??= this.relisten().finally(() => (this.relistening = null));
  }

  /** Gives a broken connection back to the pool to be destroyed, not reused. */
  private drop(client: pg.PoolClient, error: unknown): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.release(error instanceof Error ? error : new Error(String(error)));
  }

  private async relisten(): Promise<void> {
    for (let failures = 1; this.running && !this.listener; failures++) {
      try {
        await sleep(backoffMs(failures), undefined, { signal: this.stopping.signal });
      } catch {
        return; // stopped while waiting
      }
      if (!this.running) return;
      try {
        await this.listen();
        this.logger.info({ failures }, 'outbox relay listening again');
        this.wake?.(); // messages enqueued while nobody listened are waiting
      } catch (error) {
        this.logger.warn({ err: error, failures }, 'outbox relay could not LISTEN again; retrying');
      }
    }
  }

  /** Seconds since the oldest message still waiting was enqueued (0 when none waits). */
  async lagSeconds(): Promise<number> {
    const [row] = await this.database.query<{ lag: number | null }>(LAG, []);
    return row?.lag ?? 0;
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
        await sleep(backoffMs(failures));
        continue;
      }
      await Promise.race([idle, sleep(this.pollMs)]);
      if (this.running) await sleep(this.gatherMs);
    }
  }

  /**
   * Publishes one batch; returns how many messages it moved. BEGIN/COMMIT by hand on a connection of
   * its own: the row locks must outlive the JetStream publishes, and only a held connection can.
   */
  async relayBatch(): Promise<number> {
    const client = await this.database.connect();
    // The same ending can hit this connection mid-batch: the query fails (and the batch is retried),
    // and the 'error' pg emits besides must not reach the process.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>({ ...LOCK_BATCH, values: [this.batchSize] });
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      await Promise.all(rows.map((row) => this.publish(row)));
      await client.query({ ...DELETE_BATCH, values: [rows.map((r) => r.position)] });
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (!broken) client.off('error', onError); // a broken one keeps it: it may emit again as it dies
      client.release(broken);
    }
  }

  private async publish(row: OutboxRow): Promise<void> {
    const h = natsHeaders();
    for (const [key, value] of Object.entries(row.headers)) h.set(key, value);
    const body: unknown = JSON.parse(row.payload);
    for (const [key, value] of Object.entries(this.signer.signMessage(row.subject, row.messageId, body, h))) {
      h.set(key, value);
    }
    await this.js.publish(row.subject, row.payload, { msgID: row.messageId, headers: h });
  }
}
