import {
  AuditFilter,
  ServiceKeysJson,
  type ServiceKeys,
  AuditOutcome,
  ErrorCode,
  HearthError,
  type AuditRecord,
  type AuditRecordPage,
} from '@hearth/contracts';
import { keyFingerprint, loadPrivateKey, loadPublicKey, verifyExport, type ChainVerdict } from '@hearth/audit-chain';
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { hearthHome } from '../config.js';
import { HatchApi, hatchConnection } from '../hatch-api.js';
import { oneLine, printOut } from '../terminal.js';
import { HomeFiles } from './init.js';

interface TailOptions {
  follow?: boolean;
  since?: string;
  lines: string;
  actor?: string;
  path?: string;
  workspace?: string;
  user?: string;
  action?: string;
  outcome?: string;
  json?: boolean;
}

interface VerifyOptions {
  file?: string;
  key?: string;
  serviceKeys?: string;
  json?: boolean;
}

/** `hearth audit …`: the HATCH log for auditors (an auditor or admin token). */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the HATCH audit log: search it, follow it, prove it untouched');

  audit
    .command('tail')
    .description('the latest audit records; with -f, then every new one as it is recorded')
    .option('-f, --follow', 'keep following the log live')
    .option('--since <seq|time>', 'from this seq, or from this time (ISO 8601, or an age: 90s, 15m, 2h, 7d)')
    .option('-n, --lines <n>', 'how many of the latest records to show without --since', '20')
    .option('--actor <actor>', 'only this actor')
    .option('--path <prefix>', 'only subject paths starting with this')
    .option('--workspace <slug>', 'only this workspace')
    .option('--user <name>', 'only records about this database user (leases: who had it, and when)')
    .option('--action <action>', 'only this action (say secret.read)')
    .option('--outcome <outcome>', `only this outcome: ${AuditOutcome.options.join(', ')}`)
    .option('--json', 'one JSON record per line')
    .action((options: TailOptions) => tail(options));

  audit
    .command('verify')
    .description('recompute the hash chain and check the checkpoint signatures; exits 1 naming the first bad seq')
    .option('--file <export>', 'verify an export (JSON Lines) offline instead of fetching one from hatch')
    .option('--key <pem-file>', "hatch's public key to check the signatures with (default: the one in HEARTH_HOME)")
    .option(
      '--service-keys <json-file>',
      "prove each record's emitter with these pinned service keys (default: HEARTH_HOME/service-keys.json, if there)",
    )
    .option('--json', 'the verdict as JSON')
    .action((options: VerifyOptions) => verify(options));
}

// ---------------------------------------------------------------------------------------- tail

async function tail(options: TailOptions): Promise<void> {
  const filter = filterOf(options);
  const since = options.since === undefined ? null : parseSince(options.since, new Date());
  const lines = Number(options.lines);
  if (!Number.isInteger(lines) || lines < 1 || lines > 1000) {
    throw new HearthError(ErrorCode.InvalidRequest, '--lines must be a whole number from 1 to 1000');
  }
  const api = new HatchApi(hatchConnection());
  const print = printer(options.json ?? false);

  let cursor: number;
  if (since === null) {
    const page = await api.records({ ...filter, order: 'desc', limit: lines });
    for (const record of [...page.items].reverse()) print(record);
    cursor = page.head_seq;
  } else {
    const start = since.kind === 'seq' ? { after_seq: since.seq - 1 } : { after_seq: 0, from: since.from };
    let page: AuditRecordPage;
    let after = start.after_seq;
    do {
      page = await api.records({ ...filter, ...start, after_seq: after, order: 'asc', limit: 1000 });
      page.items.forEach(print);
      after = page.next_cursor ?? after;
    } while (page.next_cursor !== null);
    cursor = Math.max(after, page.head_seq);
    if (since.kind === 'time') filter.from = since.from;
  }
  if (options.follow) await api.follow(filter, cursor, print);
}

function filterOf(options: TailOptions): AuditFilter {
  const parsed = AuditFilter.safeParse({
    actor: options.actor,
    path_prefix: options.path,
    workspace: options.workspace,
    username: options.user,
    action: options.action,
    outcome: options.outcome,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${flagOf(String(i.path[0]))}: ${i.message}`);
    throw new HearthError(ErrorCode.InvalidRequest, problems.join('; '));
  }
  return parsed.data;
}

const flagOf = (field: string) => (field === 'path_prefix' ? 'path' : field);

export type Since = { kind: 'seq'; seq: number } | { kind: 'time'; from: string };

const AGE_UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 1200` (a seq), `--since 15m` (an age), `--since 2026-11-22T10:00:00Z` (a time). */
export function parseSince(text: string, now: Date): Since {
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number.isSafeInteger(Number(text))) {
    return { kind: 'seq', seq: Number(text) };
  }
  const age = /^(\d+)([smhd])$/.exec(text);
  if (age) return { kind: 'time', from: new Date(now.getTime() - Number(age[1]) * AGE_UNITS[age[2]!]!).toISOString() };
  const time = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time))
    return { kind: 'time', from: new Date(time).toISOString() };
  throw new HearthError(
    ErrorCode.InvalidRequest,
    `--since takes a seq (1200), an age (90s, 15m, 2h, 7d) or an ISO 8601 time, not ${JSON.stringify(text)}`,
  );
}

/** Fixed widths, so rows printed one by one while following line up with the ones before. */
const COLUMNS = [
  ['SEQ', 7],
  ['OCCURRED (UTC)', 20],
  ['SOURCE', 8],
  ['ACTION', 18],
  ['ACTOR', 20],
  ['OUTCOME', 9],
  ['WORKSPACE', 16],
  ['PATH', 0],
] as const;

export function formatRow(cells: readonly string[]): string {
  return COLUMNS.map(([, width], i) => {
    const cell = oneLine(cells[i] ?? '');
    return i === COLUMNS.length - 1 ? cell : cell.padEnd(width);
  })
    .join('  ')
    .trimEnd();
}

export const HEADER_ROW = formatRow(COLUMNS.map(([name]) => name));

export function formatRecord(record: AuditRecord): string {
  return formatRow([
    String(record.seq),
    record.occurred_at.replace(/\.\d+Z$/, 'Z'),
    record.source,
    record.action,
    record.actor,
    record.outcome ?? '-',
    record.workspace_slug ?? '-',
    record.subject_path ?? '-',
  ]);
}

function printer(json: boolean): (record: AuditRecord) => void {
  let headerShown = json;
  return (record) => {
    if (!headerShown) {
      printOut(HEADER_ROW);
      headerShown = true;
    }
    printOut(json ? JSON.stringify(record) : formatRecord(record));
  };
}

// -------------------------------------------------------------------------------------- verify

async function verify(options: VerifyOptions): Promise<void> {
  const pinned = pinnedKey(options.key);
  const services = serviceKeysOf(options.serviceKeys);
  const text = options.file ? readText(options.file, '--file') : await new HatchApi(hatchConnection()).exportText();
  const verdict = verifyExport(text, { publicKey: pinned.key, ...(services ? { serviceKeys: services.keys } : {}) });
  if (options.json) printOut(JSON.stringify({ ...verdict, key: pinned.fingerprint }, null, 2));
  else printOut(describeVerdict(verdict, `${pinned.fingerprint} (${pinned.from})`, services?.path ?? null));
  // A log with a gap never filled is intact but incomplete: it fails verification too.
  if (!verdict.ok || verdict.openGaps.length > 0) process.exitCode = 1;
}

/**
 * The key an export must be signed with, never the one it carries (whoever can rewrite an export can
 * re-sign it under a key of their own): `--key`, else hatch's public key in HEARTH_HOME, else hatch's
 * signing key there. Without one the export is refused, not verified against itself.
 */
function pinnedKey(keyFile: string | undefined): { key: KeyObject; fingerprint: string; from: string } {
  const pin = (key: KeyObject, from: string) => ({ key, fingerprint: keyFingerprint(key), from });
  if (keyFile) return pin(loadPublicKey(readText(keyFile, '--key')), keyFile);
  const home = hearthHome();
  const publicFile = join(home, HomeFiles.hatchPublicKey);
  if (existsSync(publicFile)) return pin(loadPublicKey(readText(publicFile, 'HEARTH_HOME')), publicFile);
  const signingFile = join(home, HomeFiles.hatchSigningKey);
  if (existsSync(signingFile)) return pin(loadPrivateKey(readText(signingFile, 'HEARTH_HOME')), signingFile);
  throw new HearthError(
    ErrorCode.InvalidRequest,
    `no key to check the export with: pass --key with hatch's public key, or set HEARTH_HOME to a home holding ${HomeFiles.hatchPublicKey}`,
  );
}

/** The service keys `--service-keys` names, else HEARTH_HOME's service-keys.json if there is one. */
function serviceKeysOf(flag: string | undefined): { keys: ServiceKeys; path: string } | null {
  const path = flag ?? join(hearthHome(), HomeFiles.serviceKeys);
  if (flag === undefined && !existsSync(path)) return null;
  const parsed = ServiceKeysJson.safeParse(readText(path, '--service-keys'));
  if (!parsed.success) throw new HearthError(ErrorCode.InvalidRequest, `--service-keys: ${path} is not service keys`);
  return { keys: parsed.data, path };
}

function describeVerdict(verdict: ChainVerdict, pinnedKey: string, serviceKeysFile: string | null): string {
  if (!verdict.ok) {
    const head =
      verdict.firstBadSeq === null
        ? `NOT VERIFIED: ${verdict.reason}`
        : `TAMPERED: first bad seq ${verdict.firstBadSeq}: ${verdict.reason}`;
    const more = verdict.faults.filter((f) => f.reason !== verdict.reason).slice(0, 5);
    return [head, ...more.map((f) => `  also at seq ${f.seq}: ${f.reason}`), `key ${pinnedKey}`].join('\n');
  }
  const lines = [
    verdict.records === 0
      ? 'verified: the log is empty'
      : `verified: ${verdict.records} records (seq 1..${verdict.lastSeq}), ${verdict.checkpoints} signed checkpoints`,
  ];
  // An export is signed at its head (an unsigned tail fails verification), so this is its last record.
  if (verdict.lastCheckpointSeq !== null) lines.push(`the last checkpoint signs seq ${verdict.lastCheckpointSeq}`);
  for (const gap of verdict.openGaps)
    lines.push(
      `GAP NEVER FILLED: ${gap.source} events ${gap.from}..${gap.to} never reached the log (detected at seq ${gap.seq})` +
        (gap.unrecoverable ? `; ${gap.source} no longer holds them` : ''),
    );
  lines.push(`signatures checked with key ${pinnedKey}`);
  if (verdict.parked > 0)
    lines.push(
      `${verdict.parked} messages parked instead of recorded (unsigned, forged or unstorable): \`hearth parked --service hatch\``,
    );
  const { origins } = verdict;
  if (origins.checked)
    lines.push(`${origins.proven} records proven signed by their emitter (keys in ${serviceKeysFile})`);
  else lines.push('emitters not checked: no service-keys.json (HEARTH_HOME, or --service-keys)');
  if (origins.withoutOrigin > 0) {
    lines.push(`${origins.withoutOrigin} records predate origin signatures: their emitter cannot be proven`);
  }
  return lines.join('\n');
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new HearthError(ErrorCode.InvalidRequest, `${flag}: cannot read ${path}`);
  }
}
