import { chainRecord, type ChainHead } from '@hearth/audit-chain';
import type { AuditCheckpoint, AuditRecord, BusVerifier } from '@hearth/contracts';
import type { Clock, Ids, Transaction } from '@hearth/platform/ports';
import { admit, type AuditEntry, type IngestVerdict, type OriginCheck } from '../../domain/audit-entry/audit-entry.js';
import { checkpointOnAppend } from '../../domain/checkpoint/checkpoint-policy.js';
import type {
  AuditLogAppender,
  CheckpointSigner,
  CheckpointStore,
  HatchMessage,
  IngestLedger,
  ParkedEvent,
  ParkingLot,
} from '../ports.js';

export interface RecordedBatch {
  records: AuditRecord[];
  parked: ParkedEvent[];
  duplicates: number;
  checkpoints: AuditCheckpoint[];
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
    private readonly signer: CheckpointSigner,
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly verifier: Pick<BusVerifier, 'verifyMessage'>,
    private readonly settings: { stream: string; checkpointEvery: number },
  ) {}

  /** `messages` in stream order, right after the position `from`. */
  async run(messages: readonly HatchMessage[], from: number, tx: Transaction): Promise<RecordedBatch> {
    const to = messages.at(-1)?.streamSeq ?? from;
    await this.ledger.advance(tx, this.settings.stream, from, to); // first: a stale ingester stops here
    const fresh = await this.ledger.claim(
      tx,
      messages.map((m) => m.id),
    );

    const entries: AuditEntry[] = [];
    const parked: ParkedEvent[] = [];
    for (const message of messages) {
      if (!fresh.delete(message.id)) continue; // taken before, or twice in this run
      const body = parseJson(message.text);
      const verdict = body === NOT_JSON ? notJson : admit(message.subject, body, this.originCheck(message, body));
      if (verdict.kind === 'record') entries.push(verdict.entry);
      else
        parked.push({
          id: this.ids.next(),
          messageId: message.id,
          subject: message.subject,
          reason: verdict.reason,
          body: verdict.keepBody ? body : undefined,
        });
    }

    // The same event under another message id is the same event.
    const recorded = await this.log.recordedEvents(
      tx,
      entries.map((e) => e.event_id),
    );
    const recordedAt = this.clock.now().toISOString();
    let head: ChainHead = await this.log.head(tx);
    const records: AuditRecord[] = [];
    for (const entry of entries) {
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
    return { records, parked, duplicates: messages.length - records.length - parked.length, checkpoints };
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
