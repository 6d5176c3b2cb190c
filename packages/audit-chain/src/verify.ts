import {
  AuditGapData,
  AuditGapEvents,
  AuditParkedEvent,
  HATCH_SOURCE,
  type AuditCheckpoint,
  type AuditRecord,
  type ServiceKeys,
} from '@hearth/contracts';
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, hashRecord } from './chain.js';
import { checkpointSignatureValid } from './checkpoint.js';
import { originFault } from './origin.js';

/** What the records prove of who emitted them. */
export interface OriginTally {
  /** Records whose emitter's signature was checked against the pinned service keys. */
  proven: number;
  /** Records hatch made before it kept origins: chained and checkpointed, but their emitter unproven. */
  withoutOrigin: number;
  /** False when no service keys were given: origins were not checked at all. */
  checked: boolean;
}

/** Something wrong at `seq`: the first record that can no longer be vouched for. */
export interface ChainFault {
  seq: number;
  reason: string;
}

export type ChainVerdict =
  | {
      ok: true;
      records: number;
      checkpoints: number;
      lastSeq: number;
      lastCheckpointSeq: number | null;
      /** Records after the last checkpoint: chained, but not yet covered by a signature. */
      unsignedTail: number;
      /** Gaps hatch detected in an emitter's numbering and never saw filled: events that never reached the log. */
      openGaps: OpenGap[];
      origins: OriginTally;
      /** Messages hatch parked in the chain instead of recording them as genuine. */
      parked: number;
    }
  | {
      ok: false;
      /** null only when an export is unusable as a whole (no key to check signatures with). */
      firstBadSeq: number | null;
      reason: string;
      faults: ChainFault[];
    };

/** Numbers of `source` that never arrived, as hatch's entry at `seq` recorded them. */
export interface OpenGap {
  seq: number;
  source: string;
  from: number;
  to: number;
  /** hatch recorded that the emitter no longer holds some of them: they cannot come back. */
  unrecoverable: boolean;
}

/** The gaps detected in `records` with no filled entry of the same gap (its correlation id) after them. */
export function openGaps(records: readonly AuditRecord[]): OpenGap[] {
  const open = new Map<string, OpenGap>();
  for (const record of records) {
    if (record.source !== HATCH_SOURCE) continue;
    const gap = record.correlation_id;
    const data = AuditGapData.safeParse(record.data);
    if (record.event_type === AuditGapEvents.detected.type && data.success)
      open.set(gap, { seq: record.seq, ...data.data, unrecoverable: false });
    else if (record.event_type === AuditGapEvents.unrecoverable.type && open.has(gap))
      open.get(gap)!.unrecoverable = true;
    else if (record.event_type === AuditGapEvents.filled.type) open.delete(gap);
  }
  return [...open.values()];
}

/**
 * Recomputes the chain and checks every checkpoint. `records` in the order they were given (an
 * export's line order, a table's seq order); they must run 1, 2, 3, … from the genesis hash.
 * `firstBadSeq` is the first record the verifier cannot vouch for.
 *
 * The hash chain alone catches an edited, deleted, inserted or reordered record, but anyone can
 * recompute SHA-256: a rewrite that re-hashes everything after the change is caught only by the
 * signed checkpoints, and then the first bad seq is the first one after the last checkpoint that
 * still matched. A tail cut after the last checkpoint is indistinguishable from a log that has not
 * been checkpointed yet; a tail cut before it leaves a checkpoint without its record. (An export
 * is signed at its head, so verifyExport also catches the former.)
 *
 * With `serviceKeys` (pinned by the auditor), each record's origin is checked too: its emitter
 * signed it (a record hatch took from anyone else is a fault at its seq).
 */
export function verifyChain(
  records: readonly AuditRecord[],
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
  serviceKeys?: ServiceKeys,
): ChainVerdict {
  const faults: ChainFault[] = [];
  const origins: OriginTally = { proven: 0, withoutOrigin: 0, checked: serviceKeys !== undefined };
  let parked = 0;
  const checkpointed = new Set(checkpoints.map((c) => c.seq));
  const hashAt = new Map<number, string>();

  let prevHash = GENESIS_HASH;
  let verifiedThrough = 0;
  let brokenLink: ChainFault | null = null;
  for (const record of records) {
    const expected = verifiedThrough + 1;
    if (record.seq !== expected) {
      faults.push({ seq: expected, reason: `expected record ${expected} here, found record ${record.seq}` });
      break;
    }
    if (hashRecord(record) !== record.hash) {
      faults.push({ seq: record.seq, reason: `record ${record.seq} does not match its hash` });
      break;
    }
    if (record.prev_hash !== prevHash) {
      // Both records are sealed consistently, yet no longer linked: one of the two was rewritten
      // and re-hashed. The earlier is the first that cannot be vouched for, unless a checkpoint
      // signed it (settled below).
      const seq = Math.max(1, record.seq - 1);
      brokenLink = { seq, reason: `records ${seq} and ${record.seq} no longer chain: one of them was rewritten` };
      faults.push(brokenLink);
      break;
    }
    if (record.source === HATCH_SOURCE) {
      // hatch's own entries (gaps, parked messages): signed by its checkpoints, not by an emitter.
      if (record.event_type === AuditParkedEvent.type) parked++;
    } else if (!record.origin) origins.withoutOrigin++;
    else if (serviceKeys) {
      const fault = originFault(record, serviceKeys);
      if (fault) faults.push({ seq: record.seq, reason: fault });
      else origins.proven++;
    }
    if (checkpointed.has(record.seq)) hashAt.set(record.seq, record.hash);
    prevHash = record.hash;
    verifiedThrough = record.seq;
  }
  const present = records.reduce((max, r) => Math.max(max, r.seq), 0);

  let lastMatching = 0;
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  for (const checkpoint of sorted) {
    const { seq } = checkpoint;
    if (!checkpointSignatureValid(checkpoint, publicKey)) {
      faults.push({
        seq,
        reason: `checkpoint ${seq} is not signed by hatch's key: nothing after seq ${lastMatching} is vouched for`,
      });
    } else if (seq > present) {
      faults.push({
        seq: present + 1,
        reason: `records ${present + 1}..${seq} are missing: checkpoint ${seq} was signed over them`,
      });
    } else if (seq > verifiedThrough) {
      // The chain broke before this checkpoint; that fault names the seq.
    } else if (hashAt.get(seq) !== checkpoint.hash) {
      faults.push({
        seq: lastMatching + 1,
        reason: `records ${lastMatching + 1}..${seq} were rewritten: they no longer lead to the hash checkpoint ${seq} signed`,
      });
    } else {
      lastMatching = seq;
    }
  }
  if (brokenLink && lastMatching >= brokenLink.seq) {
    brokenLink.seq += 1;
    brokenLink.reason = `record ${brokenLink.seq} no longer chains onto record ${brokenLink.seq - 1}, which a checkpoint signed`;
  }

  if (faults.length > 0) {
    const first = faults.reduce((a, b) => (b.seq < a.seq ? b : a));
    return { ok: false, firstBadSeq: first.seq, reason: first.reason, faults };
  }
  const lastCheckpoint = sorted.at(-1)?.seq ?? null;
  return {
    ok: true,
    records: records.length,
    checkpoints: checkpoints.length,
    lastSeq: verifiedThrough,
    lastCheckpointSeq: lastCheckpoint,
    unsignedTail: verifiedThrough - (lastCheckpoint ?? 0),
    openGaps: openGaps(records),
    origins,
    parked,
  };
}
