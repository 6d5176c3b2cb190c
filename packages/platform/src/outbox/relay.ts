import { BusHeaders, type BusSigner } from '@hearth/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { onReconnect } from '../nats/connection.js';
import type { FastPath, PreparedStatement } from '../postgres/fast-path.js';
import type { OutboxEntity } from '../postgres/platform-entities.js';

export interface RelayOptions {
  /** How long the audit journal keeps a published audit event for hatch to ask for again (default 7 days). */
  journalRetentionMs?: number;
  batchSize?: number;
  /** How long to wait for a notification before looking anyway. */
  pollMs?: number;
  /** After a notification, how long to let more messages gather before a batch (fewer round trips under load). */
  gatherMs?: number;
  /** The connection `js` publishes on: when it is back after an outage, a retry wait ends at once. */
  connection?: Pick<NatsConnection, 'status'>;
  /** The wait before a try after `failures` failed ones: doubling from 200 ms, at most 5 s. */
  backoffMs?: (failures: number) => number;
}

function defaultBackoffMs(failures: number): number {
  return Math.min(100 * 2 ** failures, 5_000);
}

type OutboxRow = Pick<OutboxEntity, 'position' | 'messageId' | 'subject' | 'payload' | 'headers'>;

/**
 * One relay at a time per database: a service's replicas each run one, and two relaying at once would
 * send batches out of outbox order (a deployment's later command before its earlier one) and number
 * audit events in an order the stream does not keep. The lock is the batch transaction's own, so a
 * relay that dies (even by SIGKILL) lets go of it as Postgres ends its transaction.
 */
const TAKE_TURN: PreparedStatement = {
  name: 'platform_outbox_take_turn',
  text: `SELECT pg_try_advisory_xact_lock(hashtextextended('hearth.outbox-relay', 0)) AS ours`,
};
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
/** The batch's audit events take the next numbers: one row, moved once per batch, held until commit. */
const NUMBER_AUDIT_EVENTS: PreparedStatement = {
  name: 'platform_audit_number',
  text: 'UPDATE audit_sequence SET last = last + $1 RETURNING last::float8 AS last',
};
const JOURNAL_AUDIT_EVENTS: PreparedStatement = {
  name: 'platform_audit_journal',
  text: `INSERT INTO audit_journal (source_seq, message_id, subject, payload, headers)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])`,
};
const PRUNE_JOURNAL: PreparedStatement = {
  name: 'platform_audit_journal_prune',
  text: 'DELETE FROM audit_journal WHERE sent_at < now() - make_interval(secs => $1)',
};
/** How often the relay prunes its audit journal. */
const PRUNE_EVERY_MS = 60_000;
const DEFAULT_JOURNAL_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** A message as it leaves for JetStream. */
export interface RelayedMessage {
  subject: string;
  payload: string;
  headers: Record<string, string>;
}

/** The subjects of HATCH (`hatch.>`). */
const isAuditEvent = (subject: string) => subject.startsWith('hatch.');

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
 *
 * Any number of relays may run over one database (one per replica): one relays at a time, in outbox order;
 * the others look again every `pollMs`, so a dead relay's messages leave within about that long.
 *
 * Audit events (`hatch.>`) are numbered here, in the batch's transaction, gap-free per emitter (the
 * signer's service, its `Hearth-Origin`): the number goes out as a header the signature covers, and
 * the event is kept, signed, in the audit journal for hatch to ask for again. Numbering at relay time
 * costs the audited read nothing (one counter update per batch).
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
  private readonly journalRetentionMs: number;
  private readonly connection: RelayOptions['connection'];
  private readonly backoffMs: (failures: number) => number;
  private prunedAt = 0;
  /** Ends the wait before the next try after a failure. */
  private retryNow: (() => void) | null = null;
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly database: FastPath,
    private readonly js: JetStreamClient,
    private readonly signer: BusSigner,
    private readonly logger: Logger,
    options: RelayOptions = {},
  ) {
    this.journalRetentionMs = options.journalRetentionMs ?? DEFAULT_JOURNAL_RETENTION_MS;
    this.batchSize = options.batchSize ?? 256;
    this.pollMs = options.pollMs ?? 1_000;
    this.gatherMs = options.gatherMs ?? 5;
    this.connection = options.connection;
    this.backoffMs = options.backoffMs ?? defaultBackoffMs;
  }

  async start(): Promise<void> {
    this.running = true;
    this.stopping = new AbortController();
    await this.listen();
    if (this.connection) this.unwatch = onReconnect(this.connection, () => this.retryNow?.());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wake?.();
    this.retryNow?.();
    this.unwatch?.();
    this.unwatch = null;
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
        await sleep(this.backoffMs(failures), undefined, { signal: this.stopping.signal });
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
        if (moved === null) {
          // Another relay is at work: its notifications are its business; look again after a poll.
          failures = 0;
          await sleep(this.pollMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
          continue;
        }
        await this.pruneJournal();
        failures = 0;
        if (moved === this.batchSize) continue;
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'outbox relay failed; retrying');
        await this.pause(this.backoffMs(failures));
        continue;
      }
      await Promise.race([idle, sleep(this.pollMs)]);
      if (this.running) await sleep(this.gatherMs);
    }
  }

  /**
   * Waits `ms` before the next try, or less: NATS back after an outage (the failures were most likely
   * its absence) or a stop ends the wait, so the relay neither hammers a NATS that is down nor idles
   * once it is up.
   */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.retryNow = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.retryNow = done;
    });
  }

  /**
   * Publishes one batch; returns how many messages it moved, or null when another relay holds the
   * turn. BEGIN/COMMIT by hand on a connection of its own: the locks must outlive the JetStream
   * publishes, and only a held connection can.
   */
  async relayBatch(): Promise<number | null> {
    const client = await this.database.connect();
    // The same ending can hit this connection mid-batch: the query fails (and the batch is retried),
    // and the 'error' pg emits besides must not reach the process.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const turn = await client.query<{ ours: boolean }>(TAKE_TURN);
      if (!turn.rows[0]!.ours) {
        await client.query('COMMIT');
        return null;
      }
      const { rows } = await client.query<OutboxRow>({ ...LOCK_BATCH, values: [this.batchSize] });
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const messages = await this.outgoing(client, rows);
      await Promise.all(rows.map((row, i) => publishRelayed(this.js, messages[i]!, row.messageId)));
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

  /** The batch's messages as they go out, signed, its audit events numbered and kept in the journal. */
  private async outgoing(client: pg.PoolClient, rows: readonly OutboxRow[]): Promise<RelayedMessage[]> {
    const audit = rows.filter((row) => isAuditEvent(row.subject));
    const numbered = new Map<OutboxRow, number>();
    if (audit.length > 0) {
      const result = await client.query<{ last: number }>({ ...NUMBER_AUDIT_EVENTS, values: [audit.length] });
      const first = result.rows[0]!.last - audit.length + 1;
      audit.forEach((row, i) => numbered.set(row, first + i));
    }
    const messages = rows.map((row) => {
      const seq = numbered.get(row);
      const headers =
        seq === undefined
          ? row.headers
          : {
              ...row.headers,
              [BusHeaders.sourceSeq]: String(seq),
              [BusHeaders.messageId]: row.messageId,
            };
      // Signed after numbering, so the signature covers the number; the journal keeps it as signed.
      const body: unknown = JSON.parse(row.payload);
      const signature = this.signer.signMessage(row.subject, row.messageId, body, { get: (key) => headers[key] ?? '' });
      return { subject: row.subject, payload: row.payload, headers: { ...headers, ...signature } };
    });
    if (audit.length > 0) {
      const kept = rows.flatMap((row, i) => (numbered.has(row) ? [{ row, message: messages[i]! }] : []));
      await client.query({
        ...JOURNAL_AUDIT_EVENTS,
        values: [
          kept.map(({ row }) => numbered.get(row)),
          kept.map(({ row }) => row.messageId),
          kept.map(({ message }) => message.subject),
          kept.map(({ message }) => message.payload),
          kept.map(({ message }) => JSON.stringify(message.headers)),
        ],
      });
    }
    return messages;
  }

  /** Forgets journaled audit events older than the retention, at most once a minute. */
  private async pruneJournal(): Promise<void> {
    const now = Date.now();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.database.query(PRUNE_JOURNAL, [this.journalRetentionMs / 1000]);
  }
}

/**
 * Publishes a message as the relay does. `msgID` is left out when an audit event is published again
 * from the journal: JetStream still remembers a deleted message's id within its duplicate window,
 * and would drop the copy; the id travels in `Hearth-Msg-Id` instead, and hatch dedupes by it.
 */
export async function publishRelayed(js: JetStreamClient, message: RelayedMessage, msgID?: string): Promise<void> {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(message.headers)) h.set(key, value);
  await js.publish(message.subject, message.payload, { ...(msgID ? { msgID } : {}), headers: h });
}
