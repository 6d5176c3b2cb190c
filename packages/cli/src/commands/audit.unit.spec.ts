import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AuditCheckpoint, AuditRecord } from '@hearth/contracts';
import {
  chainRecord,
  EMPTY_CHAIN,
  exportLine,
  keyFingerprint,
  publicKeyPem,
  signCheckpoint,
  type ChainHead,
} from '@hearth/audit-chain';
import { Command } from 'commander';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRecord, HEADER_ROW, parseSince, registerAuditCommands } from './audit.js';
import { HomeFiles } from './init.js';
import { parseSseBlock } from '../hatch-api.js';

const key = generateKeyPairSync('ed25519');

// The auditor's home: hatch's public key where `hearth init` puts it, which verify pins.
const home = mkdtempSync(join(tmpdir(), 'hearth-home-'));
writeFileSync(join(home, HomeFiles.hatchPublicKey), publicKeyPem(key.publicKey));
const homeBefore = process.env.HEARTH_HOME;
beforeAll(() => {
  process.env.HEARTH_HOME = home;
});
afterAll(() => {
  if (homeBefore === undefined) delete process.env.HEARTH_HOME;
  else process.env.HEARTH_HOME = homeBefore;
  rmSync(home, { recursive: true, force: true });
});

function buildLog(length: number, signer = key): { records: AuditRecord[]; checkpoints: AuditCheckpoint[] } {
  const records: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let head: ChainHead = EMPTY_CHAIN;
  for (let n = 1; n <= length; n++) {
    head = chainRecord(head, {
      event_id: randomUUID(),
      event_type: 'SecretReadV1',
      occurred_at: new Date(Date.UTC(2026, 10, 22, 10, 0, n)).toISOString(),
      recorded_at: new Date(Date.UTC(2026, 10, 22, 10, 0, n)).toISOString(),
      source: 'vault',
      action: 'secret.read',
      actor: `svc-${n}`,
      subject_path: 'hearth/acme/postgres',
      workspace_slug: 'acme',
      outcome: 'OK',
      trace_id: null,
      correlation_id: randomUUID(),
      causation_id: null,
      data: { n },
    });
    records.push(head as AuditRecord);
    // Every 4th, and the head: hatch signs the head of every export.
    if (n % 4 === 0 || n === length)
      checkpoints.push(signCheckpoint(head, '2026-11-22T11:00:00.000Z', signer.privateKey));
  }
  return { records, checkpoints };
}

function exportText(records: AuditRecord[], checkpoints: AuditCheckpoint[], signer = key): string {
  return [
    exportLine({
      kind: 'hatch-export',
      version: 1,
      algorithm: 'ed25519',
      public_key: publicKeyPem(signer.publicKey),
      exported_at: '2026-11-22T12:00:00.000Z',
      head_seq: records.length,
    }),
    ...records.map((record) => exportLine({ kind: 'record', record })),
    ...checkpoints.map((checkpoint) => exportLine({ kind: 'checkpoint', checkpoint })),
  ].join('');
}

/** Runs `hearth audit …` as the CLI would, with what it printed. */
async function hearth(...args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  const error = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    registerAuditCommands(program);
    await program.parseAsync(['node', 'hearth', 'audit', ...args]);
    return { out: out.join('\n'), err: err.join('\n'), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = 0;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('hearth audit: reading the arguments', () => {
  const now = new Date('2026-11-22T12:00:00.000Z');

  it.each([
    ['1200', { kind: 'seq', seq: 1200 }],
    ['15m', { kind: 'time', from: '2026-11-22T11:45:00.000Z' }],
    ['2h', { kind: 'time', from: '2026-11-22T10:00:00.000Z' }],
    ['7d', { kind: 'time', from: '2026-11-15T12:00:00.000Z' }],
    ['2026-11-22T10:30:00+01:00', { kind: 'time', from: '2026-11-22T09:30:00.000Z' }],
    ['2026-11-21', { kind: 'time', from: '2026-11-21T00:00:00.000Z' }],
  ])('takes --since %s', (text, since) => {
    expect(parseSince(text, now)).toEqual(since);
  });

  it.each(['0', 'yesterday', '15 minutes', '-3', '12x'])('refuses --since %s', (text) => {
    expect(() => parseSince(text, now)).toThrow(expect.objectContaining({ code: 'HEARTH.INVALID_REQUEST' }));
  });

  it('lines records up under the header', () => {
    const [record] = buildLog(1).records;
    const row = formatRecord(record!);
    for (const column of ['OCCURRED', 'SOURCE', 'ACTION', 'ACTOR', 'OUTCOME', 'WORKSPACE', 'PATH']) {
      const at = HEADER_ROW.indexOf(column);
      expect(row[at - 1]).toBe(' ');
      expect(row[at]).not.toBe(' ');
    }
    expect(row).toBe(
      '1        2026-11-22T10:00:01Z  vault     secret.read         svc-1                 OK         acme              hearth/acme/postgres',
    );
  });

  it("shows a record's control characters, never sends them to the terminal", () => {
    const [record] = buildLog(1).records;
    const row = formatRecord({ ...record!, actor: 'eve\u001b]0;owned\u0007\nSEQ 1 forged', subject_path: 'a\u202eb' });
    expect(row).toContain('eve\\u001b]0;owned\\u0007\\u000aSEQ 1 forged');
    expect(row).toContain('a\\u202eb');
    // eslint-disable-next-line no-control-regex
    expect(row).not.toMatch(/[\u0000-\u001f\u202e]/);
  });

  it('reads Server-Sent Events blocks', () => {
    expect(parseSseBlock('id: 7\nevent: record\ndata: {"a":1}')).toEqual({ id: '7', event: 'record', data: '{"a":1}' });
    expect(parseSseBlock(': keep-alive')).toBeNull();
    expect(parseSseBlock('data: one\ndata:two')).toEqual({ id: null, event: 'message', data: 'one\ntwo' });
  });
});

describe('hearth audit verify --file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-audit-'));
  const { records, checkpoints } = buildLog(10);
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies an untouched export and exits 0', async () => {
    const result = await hearth('verify', '--file', write('good.jsonl', exportText(records, checkpoints)));
    expect(result.exitCode).toBe(0);
    expect(result.out).toContain('verified: 10 records (seq 1..10), 3 signed checkpoints');
    expect(result.out).toContain('the last checkpoint signs seq 10');
    expect(result.out).toContain(`signatures checked with key ${keyFingerprint(key.publicKey)}`);
  });

  it('refuses an export rewritten and re-signed under a swapped key, the key inside it notwithstanding', async () => {
    const mallory = generateKeyPairSync('ed25519');
    const forged = buildLog(10, mallory);
    const result = await hearth(
      'verify',
      '--file',
      write('swapped.jsonl', exportText(forged.records, forged.checkpoints, mallory)),
    );
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain('TAMPERED: first bad seq 4');
  });

  it('refuses to verify when no key can be pinned, rather than trusting the export', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hearth-empty-home-'));
    process.env.HEARTH_HOME = empty;
    try {
      await expect(
        hearth('verify', '--file', write('unpinned.jsonl', exportText(records, checkpoints))),
      ).rejects.toThrow(/no key to check the export with/);
    } finally {
      process.env.HEARTH_HOME = home;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('names the first missing seq and exits 1 when the tail was cut', async () => {
    const cut = exportText(records, checkpoints.slice(0, 2)).replace(/\n[^\n]*"seq":10,[^\n]*\n/, '\n');
    const result = await hearth('verify', '--file', write('cut.jsonl', cut));
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain('TAMPERED: first bad seq 10: records 10..10 are missing');
  });

  it('names the first bad seq and exits 1 when a record was edited', async () => {
    const tampered = records.map((r) => (r.seq === 6 ? { ...r, actor: 'mallory' } : r));
    const result = await hearth('verify', '--file', write('edited.jsonl', exportText(tampered, checkpoints)));
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain('TAMPERED: first bad seq 6');
  });

  it('exits 1 when a pinned key did not sign the checkpoints', async () => {
    const other = generateKeyPairSync('ed25519');
    const pem = write('other.pem', other.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const result = await hearth(
      'verify',
      '--file',
      write('good2.jsonl', exportText(records, checkpoints)),
      '--key',
      pem,
    );
    expect(result.exitCode).toBe(1);
    expect(result.out).toContain('first bad seq 4');
  });

  it('gives the verdict as JSON', async () => {
    const result = await hearth('verify', '--json', '--file', write('good3.jsonl', exportText(records, checkpoints)));
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, lastSeq: 10 });
  });
});

describe('hearth audit against hatch over HTTP', () => {
  const { records, checkpoints } = buildLog(6);
  let server: Server;
  let seen: IncomingMessage[] = [];
  let handle: (request: IncomingMessage, response: ServerResponse) => void = () => undefined;
  const env = { ...process.env };

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.HEARTH_HATCH_URL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    process.env.HEARTH_TOKEN = 'test-auditor-token';
  });
  afterAll(async () => {
    process.env = env;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
  });

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  it('verifies the export it fetches with the token', async () => {
    handle = (_, response) => response.end(exportText(records, checkpoints));
    const result = await hearth('verify');
    expect(result.exitCode).toBe(0);
    expect(seen[0]).toMatchObject({ url: '/v1/audit/export', headers: { authorization: 'Bearer test-auditor-token' } });
  });

  it('prints the latest records, oldest first, asking with the filters given', async () => {
    handle = (_, response) => json(response, 200, { items: [records[5], records[4]], next_cursor: 5, head_seq: 6 });
    const result = await hearth('tail', '-n', '2', '--actor', 'svc-5', '--path', 'hearth/acme', '--json');
    const query = new URL(seen[0]!.url!, 'http://x').searchParams;
    expect(Object.fromEntries(query)).toEqual({
      actor: 'svc-5',
      path_prefix: 'hearth/acme',
      order: 'desc',
      limit: '2',
    });
    expect(result.out.split('\n').map((l) => (JSON.parse(l) as AuditRecord).seq)).toEqual([5, 6]);
  });

  it('follows the live tail after the head, and resumes after the last seq it printed', async () => {
    handle = (request, response) => {
      if (request.url!.startsWith('/v1/audit/records'))
        return json(response, 200, { items: [], next_cursor: null, head_seq: 3 });
      if (seen.filter((r) => r.url!.startsWith('/v1/audit/tail')).length > 1) {
        return json(response, 403, { error: { code: 'AUTH.FORBIDDEN', message: 'role operator may not read' } });
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(': tail\n\n');
      for (const record of records.slice(3, 5)) {
        response.write(`id: ${record.seq}\nevent: record\ndata: ${JSON.stringify(record)}\n\n`);
      }
      response.end();
    };
    const following = hearth('tail', '-f', '--workspace', 'acme');
    await expect(following).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
    const tails = seen.filter((r) => r.url!.startsWith('/v1/audit/tail'));
    expect(tails.map((r) => r.headers['last-event-id'])).toEqual(['3', '5']);
    expect(new URL(tails[0]!.url!, 'http://x').searchParams.get('workspace')).toBe('acme');
  });

  it('says what hatch refused', async () => {
    handle = (_, response) =>
      json(response, 401, { error: { code: 'AUTH.UNAUTHENTICATED', message: 'a valid bearer token is required' } });
    await expect(hearth('tail')).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
  });
});
