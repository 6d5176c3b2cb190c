import type { AuditCheckpoint, AuditRecord } from '@hearth/contracts';
import type { KeyObject } from 'node:crypto';
import { hashRecord, type ChainHead } from './chain.js';
import { checkpointSignatureValid } from './checkpoint.js';

/** How far a verification carried on: where the chain still holds, and the first problem after it (null: none). */
export interface ChainContinuation {
  head: ChainHead;
  problem: string | null;
}

/**
 * Carries a verification on from `head` (a position already verified) over `records`, the next ones
 * in seq order, and `checkpoints`, those signed over seqs after `head`: each record must follow the
 * one before (seq, hash, prev_hash) and each checkpoint be signed by `publicKey` over the hash its
 * record has. For a log read page by page as it grows, where verifyChain re-reads it all; a rewrite
 * before `head` is for verifyChain (or an export) to find.
 */
export function continueChain(
  head: ChainHead,
  records: readonly AuditRecord[],
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
): ChainContinuation {
  const signed = new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  let at = head;
  for (const record of records) {
    if (record.seq !== at.seq + 1)
      return { head: at, problem: `expected record ${at.seq + 1}, found record ${record.seq}` };
    if (hashRecord(record) !== record.hash)
      return { head: at, problem: `record ${record.seq} does not match its hash` };
    if (record.prev_hash !== at.hash) {
      return { head: at, problem: `record ${record.seq} does not chain onto record ${at.seq}` };
    }
    const checkpoint = signed.get(record.seq);
    if (checkpoint && !checkpointSignatureValid(checkpoint, publicKey)) {
      return { head: at, problem: `checkpoint ${record.seq} is not signed by hatch's key` };
    }
    if (checkpoint && checkpoint.hash !== record.hash) {
      return { head: at, problem: `record ${record.seq} is not the one checkpoint ${record.seq} signed` };
    }
    at = { seq: record.seq, hash: record.hash };
  }
  return { head: at, problem: null };
}
