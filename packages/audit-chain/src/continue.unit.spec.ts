import { describe, expect, it } from '@jest/globals';
import type { AuditCheckpoint, AuditRecord } from '@hearth/contracts';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { chainRecord, EMPTY_CHAIN, type ChainHead } from './chain.js';
import { signCheckpoint } from './checkpoint.js';
import { continueChain } from './continue.js';

const hatchKey = generateKeyPairSync('ed25519');
const attackerKey = generateKeyPairSync('ed25519');

function buildLog(length: number) {
  const records: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let head: ChainHead = EMPTY_CHAIN;
  for (let n = 1; n <= length; n++) {
    head = chainRecord(head, {
      event_id: randomUUID(),
      event_type: 'SecretReadV1',
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      recorded_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n, 5)).toISOString(),
      source: 'vault',
      action: 'secret.read',
      actor: 'svc-billing',
      subject_path: 'hearth/ws/db',
      workspace_slug: 'ws',
      outcome: 'OK',
      trace_id: null,
      correlation_id: randomUUID(),
      causation_id: null,
      data: { n },
    });
    records.push(head as AuditRecord);
    if (n % 3 === 0) checkpoints.push(signCheckpoint(head, new Date().toISOString(), hatchKey.privateKey));
  }
  return { records, checkpoints };
}

describe('carrying a chain verification on', () => {
  const { records, checkpoints } = buildLog(9);
  const at = (seq: number): ChainHead => ({ seq, hash: records[seq - 1]!.hash });

  it('carries on page by page to the same head as in one go', () => {
    const first = continueChain(EMPTY_CHAIN, records.slice(0, 4), checkpoints, hatchKey.publicKey);
    expect(first).toEqual({ head: at(4), problem: null });
    expect(continueChain(first.head, records.slice(4), checkpoints, hatchKey.publicKey)).toEqual({
      head: at(9),
      problem: null,
    });
  });

  it('stops at the last good record before an edited one', () => {
    const edited = records.map((r) => (r.seq === 6 ? { ...r, actor: 'someone-else' } : r));
    expect(continueChain(at(4), edited.slice(4), checkpoints, hatchKey.publicKey)).toEqual({
      head: at(5),
      problem: 'record 6 does not match its hash',
    });
  });

  it('refuses a checkpoint not signed by hatch, and a page that does not follow its head', () => {
    const forged = checkpoints.map((c) => (c.seq === 6 ? signCheckpoint(at(6), c.at, attackerKey.privateKey) : c));
    expect(continueChain(at(3), records.slice(3), forged, hatchKey.publicKey).problem).toBe(
      "checkpoint 6 is not signed by hatch's key",
    );
    expect(continueChain(at(3), records.slice(4), checkpoints, hatchKey.publicKey).problem).toBe(
      'expected record 4, found record 5',
    );
  });
});
