import {
  AuditExportLine,
  type AuditCheckpoint,
  type AuditExportHeader,
  type AuditRecord,
  type ServiceKeys,
} from '@hearth/contracts';
import type { KeyObject } from 'node:crypto';
import { KeyFormatError, loadPublicKey } from './keys.js';
import { verifyChain, type ChainFault, type ChainVerdict } from './verify.js';

/** One line of an export, as written: JSON with no embedded newline. */
export function exportLine(line: AuditExportLine): string {
  return `${JSON.stringify(line)}\n`;
}

export interface ParsedExport {
  header: AuditExportHeader | null;
  records: AuditRecord[];
  checkpoints: AuditCheckpoint[];
  /** Lines that are not what an export holds, each named by the seq it stands in for. */
  faults: ChainFault[];
}

/**
 * Reads an export (JSON Lines). A line that does not parse is kept as a fault at the seq it should
 * have had (its own `seq` if readable, else the one after the previous record), so a mangled record
 * fails verification at its place in the chain rather than vanishing from it.
 */
export function parseExport(text: string): ParsedExport {
  const parsed: ParsedExport = { header: null, records: [], checkpoints: [], faults: [] };
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    const line = parseLine(raw);
    if (!line) {
      const seq = seqOf(raw) ?? (parsed.records.at(-1)?.seq ?? 0) + 1;
      parsed.faults.push({ seq, reason: `line ${index + 1} is not a record, checkpoint or header of an export` });
      continue;
    }
    switch (line.kind) {
      case 'hatch-export':
        parsed.header ??= line;
        break;
      case 'record':
        parsed.records.push(line.record);
        break;
      case 'checkpoint':
        parsed.checkpoints.push(line.checkpoint);
        break;
      default: {
        const unknown: never = line;
        return unknown;
      }
    }
  }
  return parsed;
}

/**
 * Verifies an export on its own. With `publicKey` (pinned by the auditor), the key in the file is
 * ignored: whoever can edit the file could also have replaced the key and re-signed.
 */
export function verifyExport(
  text: string,
  options: { publicKey?: KeyObject; serviceKeys?: ServiceKeys } = {},
): ChainVerdict {
  const parsed = parseExport(text);
  let key = options.publicKey;
  if (!key) {
    if (!parsed.header) return unusable("the export has no header line with hatch's public key");
    try {
      key = loadPublicKey(parsed.header.public_key);
    } catch (error) {
      if (error instanceof KeyFormatError) return unusable(`the export's public key is unusable: ${error.message}`);
      throw error;
    }
  }
  const verdict = verifyChain(parsed.records, parsed.checkpoints, key, options.serviceKeys);
  const faults = [...parsed.faults, ...exportFaults(parsed), ...(verdict.ok ? [] : verdict.faults)];
  if (faults.length === 0) return verdict;
  const first = faults.reduce((a, b) => (b.seq < a.seq ? b : a));
  return { ok: false, firstBadSeq: first.seq, reason: first.reason, faults };
}

/**
 * What an export promises beyond the chain: it holds every record through the `head_seq` its
 * header names, and hatch signed a checkpoint at that head as it exported. So a tail cut after the
 * last checkpoint shows: the header names records that are not there (the first missing seq is
 * named), or, with the header edited to match, the last records are signed by no checkpoint.
 *
 * The header itself is not signed: an export cut back to one of its checkpoints, header edited to
 * match, reads as an honest export taken then. Only a head_seq known from elsewhere (an earlier
 * export, hatch's answer now) tells the two apart.
 */
function exportFaults({ header, records, checkpoints }: ParsedExport): ChainFault[] {
  const last = records.reduce((max, r) => Math.max(max, r.seq), 0);
  if (header && header.head_seq > last) {
    const first = last + 1;
    return [
      {
        seq: first,
        reason: `records ${first}..${header.head_seq} are missing: the export's header says it holds them`,
      },
    ];
  }
  if (header && header.head_seq < last) {
    const first = header.head_seq + 1;
    return [
      { seq: first, reason: `records ${first}..${last} lie past the head seq ${header.head_seq} the header names` },
    ];
  }
  const signed = checkpoints.reduce((max, c) => Math.max(max, c.seq), 0);
  if (last > signed) {
    return [
      {
        seq: signed + 1,
        reason: `records ${signed + 1}..${last} are signed by no checkpoint, yet hatch signs every export at its head: the tail was cut or rewritten`,
      },
    ];
  }
  return [];
}

function unusable(reason: string): ChainVerdict {
  return { ok: false, firstBadSeq: null, reason, faults: [] };
}

function parseLine(raw: string): AuditExportLine | null {
  try {
    const parsed = AuditExportLine.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function seqOf(raw: string): number | null {
  try {
    const value = JSON.parse(raw) as { record?: { seq?: unknown }; checkpoint?: { seq?: unknown } };
    const seq = value.record?.seq ?? value.checkpoint?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : null;
  } catch {
    return null;
  }
}
