import { describe, expect, it } from '@jest/globals';
import {
  BusSigner,
  ServiceKeysJson,
  rawPublicKeyOf,
  ServiceName,
  type AuditCheckpoint,
  type AuditRecord,
} from '@hearth/contracts';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { chainRecord, EMPTY_CHAIN, hashRecord, type ChainHead } from './chain.js';
import { signCheckpoint } from './checkpoint.js';
import { exportLine, parseExport, verifyExport } from './export-file.js';
import { publicKeyPem } from './keys.js';
import { openGaps, verifyChain } from './verify.js';

const hatchKey = generateKeyPairSync('ed25519');
const attackerKey = generateKeyPairSync('ed25519');

/** A log of `length` records with a checkpoint every `every` records, as hatch writes it. */
function buildLog(length: number, every = 5, key: KeyObject = hatchKey.privateKey) {
  const records: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let head: ChainHead = EMPTY_CHAIN;
  for (let n = 1; n <= length; n++) {
    const record = chainRecord(head, {
      event_id: randomUUID(),
      event_type: 'SecretReadV1',
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      recorded_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n, 5)).toISOString(),
      source: 'vault',
      action: 'secret.read',
      actor: n % 2 ? 'svc-billing' : 'svc-search',
      subject_path: `hearth/ws-${n % 3}/db`,
      workspace_slug: `ws-${n % 3}`,
      outcome: 'OK',
      trace_id: null,
      correlation_id: randomUUID(),
      causation_id: null,
      data: { path: `hearth/ws-${n % 3}/db`, version: n, tags: { n } },
    });
    records.push(record);
    head = record;
    if (n % every === 0)
      checkpoints.push(signCheckpoint(head, new Date(Date.UTC(2026, 0, 1, 1, 0, n)).toISOString(), key));
  }
  return { records, checkpoints };
}

/** Re-seals records from `from` on, as an attacker who knows the hash rule would. */
function reseal(records: AuditRecord[], from: number): AuditRecord[] {
  const out = records.slice(0, from - 1);
  let head: ChainHead = out.at(-1) ?? EMPTY_CHAIN;
  for (const record of records.slice(from - 1)) {
    const resealed = chainRecord(head, record); // seq, prev_hash and hash are set afresh
    out.push(resealed);
    head = resealed;
  }
  return out;
}

const verify = (records: AuditRecord[], checkpoints: AuditCheckpoint[]) =>
  verifyChain(records, checkpoints, hatchKey.publicKey);
const edit = (record: AuditRecord, change: Partial<AuditRecord>): AuditRecord => ({ ...record, ...change });

describe('an untouched log', () => {
  it('verifies, and says how much of it is not yet signed', () => {
    const { records, checkpoints } = buildLog(23);
    expect(verify(records, checkpoints)).toEqual({
      ok: true,
      records: 23,
      checkpoints: 4,
      lastSeq: 23,
      lastCheckpointSeq: 20,
      unsignedTail: 3,
      openGaps: [],
      origins: { proven: 0, withoutOrigin: 23, checked: false },
      parked: 0,
    });
  });

  it('verifies when empty', () => {
    expect(verify([], [])).toMatchObject({ ok: true, lastSeq: 0, lastCheckpointSeq: null });
  });

  it('hashes the same whatever extra columns a row is read back with', () => {
    const { records } = buildLog(1);
    expect(hashRecord({ ...records[0]!, extra: 'column' } as AuditRecord)).toBe(records[0]!.hash);
  });
});

describe('an edited record', () => {
  const { records, checkpoints } = buildLog(20);

  it.each<[string, Partial<AuditRecord>]>([
    ['actor', { actor: 'someone-else' }],
    ['outcome', { outcome: 'DENIED' }],
    ['subject_path', { subject_path: 'hearth/other/db' }],
    ['occurred_at', { occurred_at: '2025-12-31T23:59:59.000Z' }],
    ['a nested data field', { data: { ...records[6]!.data, tags: { n: 99 } } }],
    ['event_id', { event_id: randomUUID() }],
    ['its own hash', { hash: 'f'.repeat(64) }],
  ])('is named by its seq when %s changes', (_, change) => {
    const tampered = records.map((r) => (r.seq === 7 ? edit(r, change) : r));
    expect(verify(tampered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 7 });
  });

  it('is named by its seq when re-hashed, since the next record still holds the old hash', () => {
    const tampered = records.map((r) => (r.seq === 7 ? edit(r, { actor: 'x' }) : r));
    tampered[6] = { ...tampered[6]!, hash: hashRecord(tampered[6]!) };
    expect(verify(tampered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 7 });
  });

  it('is caught by the next checkpoint when everything after it is re-hashed', () => {
    const tampered = reseal(
      records.map((r) => (r.seq === 7 ? edit(r, { actor: 'x' }) : r)),
      7,
    );
    const verdict = verify(tampered, checkpoints);
    // The chain is consistent again; only the signature over record 10 betrays it, so every
    // record after the last checkpoint that still matches (5) is in doubt.
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 6 });
    expect(verdict.ok || verdict.reason).toContain('rewritten');
  });
});

describe('a deleted record', () => {
  const { records, checkpoints } = buildLog(20);

  it('is named by its seq', () => {
    expect(
      verify(
        records.filter((r) => r.seq !== 12),
        checkpoints,
      ),
    ).toMatchObject({ ok: false, firstBadSeq: 12 });
  });

  it('is named by its seq when the records after it are renumbered', () => {
    const renumbered = records.filter((r) => r.seq !== 12).map((r) => (r.seq > 12 ? edit(r, { seq: r.seq - 1 }) : r));
    expect(verify(renumbered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 12 });
  });

  it('is caught when the first record goes', () => {
    expect(verify(records.slice(1), checkpoints)).toMatchObject({ ok: false, firstBadSeq: 1 });
  });
});

describe('an inserted record', () => {
  const { records, checkpoints } = buildLog(20);
  /** A forged record that chains correctly onto `prev`, as an attacker who knows the hash rule makes it. */
  const forged = (prev: AuditRecord): AuditRecord =>
    chainRecord(prev, { ...records[0]!, event_id: randomUUID(), actor: 'forger' });

  it('is named by its seq when slipped in with the records after it renumbered', () => {
    const fake = { ...records[7]!, event_id: randomUUID(), actor: 'forger' };
    const tampered = [...records.slice(0, 7), fake, ...records.slice(7).map((r) => edit(r, { seq: r.seq + 1 }))];
    expect(verify(tampered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 8 });
  });

  it('is caught by the record it displaced when it is itself well sealed', () => {
    const fake = forged(records[6]!);
    const tampered = [...records.slice(0, 7), fake, ...records.slice(7).map((r) => edit(r, { seq: r.seq + 1 }))];
    // A well-sealed forgery is indistinguishable from a real record; the displaced one is not.
    expect(verify(tampered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 9 });
  });

  it('is caught as a duplicate seq when added beside an existing record', () => {
    const tampered = [...records.slice(0, 8), edit(records[7]!, { actor: 'forger' }), ...records.slice(8)];
    expect(verify(tampered, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 9 });
  });
});

describe('swapped records', () => {
  const { records, checkpoints } = buildLog(20);

  it('are named by the earlier seq when their lines are swapped', () => {
    const swapped = [...records];
    [swapped[3], swapped[8]] = [swapped[8]!, swapped[3]!];
    expect(verify(swapped, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('are named by the earlier seq when their seqs are swapped', () => {
    const swapped = records.map((r) =>
      r.seq === 4 ? edit(records[8]!, { seq: 4 }) : r.seq === 9 ? edit(records[3]!, { seq: 9 }) : r,
    );
    expect(verify(swapped, checkpoints)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });
});

describe('a truncated tail', () => {
  const { records, checkpoints } = buildLog(23);

  it('is caught through the last signed checkpoint', () => {
    const verdict = verify(records.slice(0, 17), checkpoints);
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 18 });
    expect(verdict.ok || verdict.reason).toContain('missing');
  });

  it('after the last checkpoint cannot be told from records not yet checkpointed', () => {
    expect(verify(records.slice(0, 21), checkpoints)).toMatchObject({ ok: true, unsignedTail: 1 });
  });
});

describe('a forged checkpoint', () => {
  const { records, checkpoints } = buildLog(20);

  it('is named when its hash is changed', () => {
    const forged = checkpoints.map((c) => (c.seq === 15 ? { ...c, hash: records[13]!.hash } : c));
    expect(verify(records, forged)).toMatchObject({ ok: false, firstBadSeq: 15 });
  });

  it('is named, and so are the records it no longer vouches for, when signed by another key', () => {
    const rewritten = reseal(
      records.map((r) => (r.seq === 12 ? edit(r, { outcome: 'DENIED' }) : r)),
      12,
    );
    const resigned = checkpoints.map((c) =>
      c.seq >= 15 ? signCheckpoint(rewritten[c.seq - 1]!, c.at, attackerKey.privateKey) : c,
    );
    const verdict = verify(rewritten, resigned);
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 15 });
    expect(verdict.ok || verdict.reason).toContain('nothing after seq 10 is vouched for');
  });

  it('is named when its signature is garbage', () => {
    const forged = [...checkpoints, { seq: 20, hash: records[19]!.hash, at: checkpoints[0]!.at, signature: 'AAAA' }];
    expect(verify(records, forged)).toMatchObject({ ok: false, firstBadSeq: 20 });
  });
});

describe('an export file', () => {
  const log = buildLog(12);
  const records = log.records;
  // As hatch exports: the checkpoints of the log, and one it signed at the head as it exported.
  const checkpoints = [
    ...log.checkpoints,
    signCheckpoint(records[11]!, '2026-01-02T00:00:00.000Z', hatchKey.privateKey),
  ];
  const header = {
    kind: 'hatch-export' as const,
    version: 1 as const,
    algorithm: 'ed25519' as const,
    public_key: publicKeyPem(hatchKey.publicKey),
    exported_at: '2026-01-02T00:00:00.000Z',
    head_seq: 12,
  };
  const file = (rs: AuditRecord[], cs: AuditCheckpoint[], h: typeof header = header) =>
    [
      exportLine(h),
      ...rs.map((record) => exportLine({ kind: 'record', record })),
      ...cs.map((checkpoint) => exportLine({ kind: 'checkpoint', checkpoint })),
    ].join('');
  const lines = file(records, checkpoints).split('\n');
  /** The index of the export line holding record `seq`. */
  const lineOf = (seq: number) =>
    lines.findIndex((l) => l !== '' && (JSON.parse(l) as { record?: { seq: number } }).record?.seq === seq);
  const replaceLine = (seq: number, change: (line: string) => string) =>
    lines.map((l, i) => (i === lineOf(seq) ? change(l) : l)).join('\n');

  it('verifies untouched, and reads back to the same records', () => {
    const text = file(records, checkpoints);
    expect(verifyExport(text)).toMatchObject({ ok: true, lastSeq: 12, lastCheckpointSeq: 12, unsignedTail: 0 });
    expect(parseExport(text).records).toEqual(records);
  });

  it('names an edited field', () => {
    const text = replaceLine(6, (l) => l.replace('"svc-search"', '"svc-billing"'));
    expect(text).not.toEqual(lines.join('\n'));
    expect(verifyExport(text)).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('names a deleted line', () => {
    expect(verifyExport(lines.filter((_, i) => i !== lineOf(4)).join('\n'))).toMatchObject({
      ok: false,
      firstBadSeq: 4,
    });
  });

  it('names an inserted line', () => {
    const index = lineOf(3);
    expect(
      verifyExport([...lines.slice(0, index + 1), lines[index]!, ...lines.slice(index + 1)].join('\n')),
    ).toMatchObject({
      ok: false,
      firstBadSeq: 4,
    });
  });

  it('names swapped lines', () => {
    const swapped = [...lines];
    [swapped[3], swapped[7]] = [swapped[7]!, swapped[3]!];
    expect(verifyExport(swapped.join('\n'))).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('names a truncated tail', () => {
    expect(verifyExport(file(records.slice(0, 8), checkpoints))).toMatchObject({ ok: false, firstBadSeq: 9 });
  });

  describe('cut after its last checkpoint but one (the one hatch signed at the head dropped too)', () => {
    const upTo10 = checkpoints.filter((c) => c.seq <= 10);

    it('names the first missing seq when the header still says 12', () => {
      const verdict = verifyExport(file(records.slice(0, 11), upTo10));
      expect(verdict).toMatchObject({ ok: false, firstBadSeq: 12 });
      expect(verdict.ok || verdict.reason).toBe("records 12..12 are missing: the export's header says it holds them");
      expect(verifyExport(file(records.slice(0, 10), upTo10))).toMatchObject({ ok: false, firstBadSeq: 11 });
    });

    it('names the first unsigned seq when the header is edited to match', () => {
      const verdict = verifyExport(file(records.slice(0, 11), upTo10, { ...header, head_seq: 11 }));
      expect(verdict).toMatchObject({ ok: false, firstBadSeq: 11 });
      expect(verdict.ok || verdict.reason).toContain('signed by no checkpoint');
    });

    it('names the first missing seq when the header is edited but the head checkpoint kept', () => {
      const verdict = verifyExport(file(records.slice(0, 11), checkpoints, { ...header, head_seq: 11 }));
      expect(verdict).toMatchObject({ ok: false, firstBadSeq: 12 });
      expect(verdict.ok || verdict.reason).toContain('missing');
    });
  });

  it('names records past the head its header names', () => {
    expect(verifyExport(file(records, checkpoints, { ...header, head_seq: 9 }))).toMatchObject({
      ok: false,
      firstBadSeq: 10,
    });
  });

  it('names a forged checkpoint', () => {
    const forged = checkpoints.map((c) => (c.seq === 10 ? { ...c, at: '2030-01-01T00:00:00.000Z' } : c));
    expect(verifyExport(file(records, forged))).toMatchObject({ ok: false, firstBadSeq: 10 });
  });

  it('names a mangled line by the seq it stood for', () => {
    const text = replaceLine(5, (l) => l.replace('"OK"', '"MAYBE"'));
    expect(verifyExport(text)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('re-signed with a swapped-in key passes only until the auditor pins the real key', () => {
    const rewritten = reseal(
      records.map((r) => (r.seq === 2 ? edit(r, { actor: 'nobody' }) : r)),
      2,
    );
    const resigned = checkpoints.map((c) => signCheckpoint(rewritten[c.seq - 1]!, c.at, attackerKey.privateKey));
    const text = file(rewritten, resigned, { ...header, public_key: publicKeyPem(attackerKey.publicKey) });
    expect(verifyExport(text)).toMatchObject({ ok: true });
    expect(verifyExport(text, { publicKey: hatchKey.publicKey })).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('is unusable without a key', () => {
    expect(verifyExport(file(records, checkpoints).split('\n').slice(1).join('\n'))).toMatchObject({
      ok: false,
      firstBadSeq: null,
    });
  });
});

describe('gaps in an emitter numbering', () => {
  const gapRecord = (seq: number, type: string, gap: string, from: number, to: number): AuditRecord => ({
    seq,
    event_id: randomUUID(),
    event_type: type,
    occurred_at: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    recorded_at: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    source: 'hatch',
    action: 'gap',
    actor: 'hatch',
    subject_path: null,
    workspace_slug: null,
    outcome: null,
    trace_id: null,
    correlation_id: gap,
    causation_id: null,
    data: { source: 'vault', from, to },
    origin: null,
    prev_hash: '0'.repeat(64),
    hash: '0'.repeat(64),
  });

  it('are open from their detection until a filled entry of the same gap, and say when the emitter lost them', () => {
    const records = [
      gapRecord(1, 'AuditGapDetectedV1', 'g1', 3, 4),
      gapRecord(2, 'AuditGapDetectedV1', 'g2', 9, 9),
      gapRecord(3, 'AuditGapUnrecoverableV1', 'g2', 9, 9),
      gapRecord(4, 'AuditGapFilledV1', 'g1', 3, 4),
    ];
    expect(openGaps(records)).toEqual([{ seq: 2, source: 'vault', from: 9, to: 9, unrecoverable: true }]);
    expect(openGaps(records.slice(0, 1))).toEqual([{ seq: 1, source: 'vault', from: 3, to: 4, unrecoverable: false }]);
  });

  it('are never taken from an entry another source made', () => {
    expect(openGaps([{ ...gapRecord(1, 'AuditGapDetectedV1', 'g1', 1, 1), source: 'vault' }])).toEqual([]);
  });
});

describe("records' origins, against the pinned service keys", () => {
  const serviceKeys = Object.fromEntries(
    ServiceName.options.map((name) => [name, generateKeyPairSync('ed25519').privateKey]),
  ) as Record<ServiceName, KeyObject>;
  const pinned = ServiceKeysJson.parse(
    JSON.stringify(Object.fromEntries(Object.entries(serviceKeys).map(([name, key]) => [name, rawPublicKeyOf(key)]))),
  );

  /** A log whose every record carries the envelope `signer` signed, as hatch records it. */
  function signedLog(signer: BusSigner, change: (envelope: Record<string, unknown>) => void = () => undefined) {
    const { records } = buildLog(3);
    let head: ChainHead = EMPTY_CHAIN;
    return records.map((record) => {
      const envelope = {
        id: record.event_id,
        type: record.event_type,
        stream: `SecretReadV1-${record.event_id}`,
        version: 1,
        data: record.data,
        metadata: { actor: record.actor, correlation_id: record.correlation_id },
      };
      const subject = `hatch.${record.source}.${record.action}`;
      const headers = signer.signMessage(subject, record.event_id, envelope, { get: () => '' });
      change(envelope);
      const origin = {
        service: headers['Hearth-Origin']!,
        message_id: record.event_id,
        source_seq: null,
        signature: headers['Hearth-Signature']!,
        envelope,
      };
      head = chainRecord(head, { ...record, origin });
      return head as AuditRecord;
    });
  }

  it('proves each record signed by its emitter', () => {
    const records = signedLog(new BusSigner('vault', serviceKeys.vault));
    expect(verifyChain(records, [], hatchKey.publicKey, pinned)).toMatchObject({
      ok: true,
      origins: { proven: 3, withoutOrigin: 0, checked: true },
    });
  });

  it("faults a record another service's key, or an unpinned key, signed, and one that differs from what was signed", () => {
    const byConsole = signedLog(new BusSigner('console', serviceKeys.console));
    expect(verifyChain(byConsole, [], hatchKey.publicKey, pinned)).toMatchObject({
      ok: false,
      firstBadSeq: 1,
      reason: 'record 1 names "console" as its emitter, not its source vault',
    });
    const unpinned = signedLog(new BusSigner('vault', attackerKey.privateKey));
    expect(verifyChain(unpinned, [], hatchKey.publicKey, pinned)).toMatchObject({
      ok: false,
      reason: "record 1 is not signed by vault's pinned key",
    });
    const altered = signedLog(new BusSigner('vault', serviceKeys.vault), (envelope) => (envelope.version = 2));
    expect(verifyChain(altered, [], hatchKey.publicKey, pinned)).toMatchObject({
      ok: false,
      reason: "record 1 is not signed by vault's pinned key",
    });
  });

  it('keeps the hash of a record without an origin as it was before origins', () => {
    const [record] = buildLog(1).records;
    expect(record!.origin).toBeNull();
    // The hash of such a record is what the canonical form without the field gives (as hatch always hashed it).
    const withoutOrigin = Object.fromEntries(Object.entries(record!).filter(([key]) => key !== 'origin'));
    expect(hashRecord(withoutOrigin as AuditRecord)).toBe(record!.hash);
  });
});
