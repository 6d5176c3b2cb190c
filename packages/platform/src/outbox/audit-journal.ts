import {
  auditJournalSubjects,
  BusHeaders,
  ErrorCode,
  isReplyInbox,
  SeqRange,
  ServiceErrorHeaders,
  type AuditHead,
  type AuditReplayed,
  type BusSigner,
} from '@hearth/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { FastPath, PreparedStatement } from '../postgres/fast-path.js';
import { publishRelayed, type RelayedMessage } from './relay.js';

const HEAD: PreparedStatement = {
  name: 'platform_audit_head',
  text: 'SELECT last::float8 AS last FROM audit_sequence',
};
const HELD: PreparedStatement = {
  name: 'platform_audit_journal_range',
  text: `SELECT source_seq::float8 AS seq, subject, payload, headers FROM audit_journal
         WHERE source_seq BETWEEN $1 AND $2 ORDER BY source_seq`,
};

/**
 * An emitter's answers to hatch about the audit events its relay numbered: the last number given
 * (`<source>.audit.head`, so a trailing gap is seen) and a range published again from the journal
 * (`<source>.audit.replay`), with the numbers it no longer holds (pruned after the retention) named.
 */
export class AuditJournal {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly database: FastPath,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly signer: BusSigner,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const subjects = auditJournalSubjects(this.signer.service);
    const queue = `${this.signer.service}-audit`;
    this.subscriptions = [
      this.nc.subscribe(subjects.head, { queue, callback: (_e, msg) => void this.answer(msg, () => this.head()) }),
      this.nc.subscribe(subjects.replay, {
        queue,
        callback: (_e, msg) => void this.answer(msg, () => this.replay(SeqRange.parse(msg.json()))),
      }),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    this.subscriptions = [];
  }

  async head(): Promise<AuditHead> {
    const [row] = await this.database.query<{ last: number }>(HEAD, []);
    return { head: row?.last ?? 0 };
  }

  /** Publishes again, in order, what the journal holds of `range`, as it was first published. */
  async replay(range: SeqRange): Promise<AuditReplayed> {
    const rows = await this.database.query<RelayedMessage & { seq: number }>(HELD, [range.from, range.to]);
    for (const row of rows) await publishRelayed(this.js, row);
    const missing: AuditReplayed['missing'] = [];
    let next = range.from;
    for (const { seq } of [...rows, { seq: range.to + 1 }]) {
      if (seq > next) missing.push({ from: next, to: seq - 1 });
      next = seq + 1;
    }
    if (missing.length > 0) this.logger.warn({ missing }, 'hatch asked for audit events the journal no longer holds');
    return { republished: rows.length, missing };
  }

  private async answer(msg: Msg, run: () => Promise<unknown>): Promise<void> {
    if (!isReplyInbox(msg.reply)) return; // answered nowhere but a caller's inbox (see isReplyInbox)
    try {
      const body = await run();
      // Signed for this very request, as the console's answers are: nobody else can answer for the emitter.
      const h = headers();
      const nonce = msg.headers?.get(BusHeaders.requestNonce) ?? '';
      h.set(BusHeaders.signature, this.signer.signReply(msg.subject, nonce, msg.data, body));
      msg.respond(JSON.stringify(body), { headers: h });
    } catch (error) {
      this.logger.warn({ err: error, subject: msg.subject }, 'audit journal request failed');
      const h = headers();
      h.set(ServiceErrorHeaders.code, ErrorCode.InvalidRequest);
      h.set(ServiceErrorHeaders.message, 'audit journal request failed');
      msg.respond(JSON.stringify({ error: { code: ErrorCode.InvalidRequest } }), { headers: h });
    }
  }
}
