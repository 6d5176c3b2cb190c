import { chainRecord, type ChainHead } from '@hearth/audit-chain';
import {
  isMessageId,
  PARKED_LIMITS,
  parkableText,
  WIRE_LIMITS,
  type AuditCheckpoint,
  type AuditRecord,
  type BusVerifier,
} from '@hearth/contracts';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';
import { admit, type AuditEntry, type IngestVerdict, type OriginCheck } from '../../domain/audit-entry/audit-entry.js';
import { parkedEntry } from '../../domain/audit-entry/parked-entry.js';
import { checkpointOnAppend } from '../../domain/checkpoint/checkpoint-policy.js';
import { gapEntry } from '../../domain/sequence/gap-entry.js';
import { track } from '../../domain/sequence/source-sequence.js';
import type {
  AuditLogAppender,
  CheckpointSigner,
  CheckpointStore,
  HatchMessage,
  IngestLedger,
  ParkedEvent,
  ParkingLot,
  SourceSequenceStore,
} from '../ports.js';

export interface RecordedBatch {
  records: AuditRecord[];
  parked: ParkedEvent[];
  duplicates: number;
  checkpoints: AuditCheckpoint[];
  /** Gaps this batch revealed in a source's numbering. */
  gaps: number;
}

/**
 * Appends a run of consecutive HATCH messages to the chain in the caller's transaction, which also
 * moves the ingest position over them: either all of it commits or none, and a restart resumes
 * after the last commit. A message already in the ledger, or an event already in the log, is
 * skipped (a re-publish); one that may not be recorded is parked, not thrown: a throw would
 * stall the log behind it for ever.
 */
export class RecordAuditEvents {
  constructor(
    private readonly ledger: Pick<IngestLedger, 'advance' | 'claim'>,
    private readonly log: AuditLogAppender,
    private readonly checkpoints: Pick<CheckpointStore, 'add'>,
    private readonly parking: ParkingLot,
    private readonly sequences: SourceSequenceStore,
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly verifier: Pick<BusVerifier, 'verifyMessage'>,
    private readonly settings: { stream: string; checkpointEvery: number; sources: readonly string[] },
  ) {}

  /** `messages` in stream order, right after the position `from`. */
  async run(messages: readonly HatchMessage[], from: number, tx: Transaction): Promise<RecordedBatch> {
    const to = messages.at(-1)?.streamSeq ?? from;
    await this.ledger.advance(tx, this.settings.stream, from, to); // first: a stale ingester stops here
    // Each message is judged first, and only the id of one that is recorded is claimed: a forged or
    // unstorable message claims nothing, so it cannot keep the genuine event of that id out for good.
    // An id the ledger cannot hold (too long for its index, a NUL) is parked under its stream position.
    const judged = messages.map((message) => {
      const body = parseJson(message.text);
      const verdict = !isMessageId(message.id)
        ? badMessageId
        : body === NOT_JSON
          ? notJson
          : admit(message.subject, body, this.originCheck(message, body));
      return { message, body, verdict };
    });
    const fresh = await this.ledger.claim(
      tx,
      judged.flatMap(({ message, verdict }) => (verdict.kind === 'record' ? [message.id] : [])),
    );

    const entries: AuditEntry[] = [];
    const parked: ParkedEvent[] = [];
    const parkedEntries: AuditEntry[] = [];
    const recordedAt = this.clock.now().toISOString();
    const numbered = new Map<string, number[]>();
    for (const { message, body, verdict } of judged) {
      if (verdict.kind === 'record') {
        if (!fresh.delete(message.id)) continue; // taken before, or twice in this run
        entries.push(verdict.entry);
        const origin = message.origin;
        // Only a recorded event counts, and only under the source its subject names.
        if (origin && origin.source === verdict.entry.source && this.settings.sources.includes(origin.source))
          numbered.set(origin.source, [...(numbered.get(origin.source) ?? []), origin.seq]);
      } else {
        const messageId = isMessageId(message.id) ? message.id : `${this.settings.stream}:${message.streamSeq}`;
        parked.push({
          id: this.ids.next(),
          messageId,
          subject: parkableText(message.subject, PARKED_LIMITS.subject),
          reason: verdict.reason,
          body: verdict.keepBody && message.text.length <= PARKED_BODY_LIMIT ? body : undefined,
        });
        // In the chain too: an auditor sees what was refused in the log itself, not only in a side table.
        const facts = { subject: message.subject, messageId, streamSeq: message.streamSeq, reason: verdict.reason };
        parkedEntries.push(parkedEntry(facts, this.ids.next(), recordedAt));
      }
    }

    // The same event under another message id is the same event.
    const recorded = await this.log.recordedEvents(
      tx,
      entries.map((e) => e.event_id),
    );
    let head: ChainHead = await this.log.head(tx);
    const records: AuditRecord[] = [];
    const gaps = await this.trackNumbers(tx, numbered, recordedAt);
    for (const entry of [...entries, ...parkedEntries, ...gaps.entries]) {
      if (recorded.has(entry.event_id)) continue;
      recorded.add(entry.event_id);
      const record = chainRecord(head, { ...entry, recorded_at: recordedAt });
      records.push(record);
      head = record;
    }
    await this.log.append(tx, records);
    await this.parking.park(tx, parked);

    const checkpoints: AuditCheckpoint[] = [];
    for (const record of records.filter((r) => checkpointOnAppend(r.seq, this.settings.checkpointEvery))) {
      const checkpoint = this.signer.sign(record, this.clock.now().toISOString());
      if (await this.checkpoints.add(tx, checkpoint)) checkpoints.push(checkpoint);
    }
    return {
      records,
      parked,
      duplicates: messages.length - (records.length - gaps.entries.length - parkedEntries.length) - parked.length,
      checkpoints,
      gaps: gaps.detected,
    };
  }

  /** Moves each source's head over the numbers that arrived; a skip opens a gap, a refill closes one. */
  private async trackNumbers(
    tx: Transaction,
    numbered: ReadonlyMap<string, number[]>,
    at: string,
  ): Promise<{ entries: AuditEntry[]; detected: number }> {
    if (numbered.size === 0) return { entries: [], detected: 0 };
    const states = await this.sequences.load(tx, [...numbered.keys()]);
    const entries: AuditEntry[] = [];
    let detected = 0;
    for (const [source, seqs] of numbered) {
      const tracked = track(states.get(source)!, seqs, () => this.ids.next());
      await this.sequences.save(tx, source, tracked.sequence);
      detected += tracked.detected.length;
      for (const gap of tracked.detected) entries.push(gapEntry('detected', source, gap, this.ids.next(), at));
      for (const gap of tracked.filled) entries.push(gapEntry('filled', source, gap, this.ids.next(), at));
    }
    return { entries, detected };
  }

  /** Whether `service` signed `message`; what the record keeps to prove it offline. */
  private originCheck(message: HatchMessage, body: unknown): OriginCheck {
    return (service) => {
      const { signature, sourceSeq } = this.verifier.verifyMessage(
        { subject: message.subject, messageId: message.id, body, headers: message.headers },
        service,
      );
      return {
        service,
        message_id: message.id,
        source_seq: sourceSeq,
        signature,
        envelope: body as Record<string, unknown>,
      };
    };
  }
}

const NOT_JSON = Symbol('not JSON');
const notJson: IngestVerdict = { kind: 'park', reason: 'not JSON', keepBody: false };
const badMessageId: IngestVerdict = {
  kind: 'park',
  reason: `Nats-Msg-Id is no id (over ${WIRE_LIMITS.id} characters, or a control character)`,
  keepBody: false,
};
/** A parked body is kept for an operator to look at only when its JSON is at most this long. */
const PARKED_BODY_LIMIT = 4 * 1024;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
