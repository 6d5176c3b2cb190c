import type { AuditCheckpoint } from '@hearth/contracts';
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@hearth/contracts';
import type { ChainHead } from './chain.js';

/** Signed bytes start with this, so a checkpoint signature can never pass for any other message. */
const CHECKPOINT_CONTEXT = 'hearth-hatch-checkpoint-v1';

export function checkpointPayload(checkpoint: Pick<AuditCheckpoint, 'seq' | 'hash' | 'at'>): Buffer {
  const { seq, hash, at } = checkpoint;
  return Buffer.from(`${CHECKPOINT_CONTEXT}\n${canonicalJson({ seq, hash, at })}`, 'utf8');
}

export function signCheckpoint(head: ChainHead, at: string, privateKey: KeyObject): AuditCheckpoint {
  const unsigned = { seq: head.seq, hash: head.hash, at };
  return { ...unsigned, signature: sign(null, checkpointPayload(unsigned), privateKey).toString('base64') };
}

export function checkpointSignatureValid(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointPayload(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}
