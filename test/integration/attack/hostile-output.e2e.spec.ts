import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chainRecord,
  EMPTY_CHAIN,
  exportLine,
  publicKeyPem,
  signCheckpoint,
  type ChainHead,
} from '@hearth/audit-chain';
import type { AuditRecord } from '@hearth/contracts';
import { runCli } from '@hearth/testkit';
import { generateKeyPairSync, randomUUID, type KeyPairKeyObjectResult } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a terminal acts on: escape sequences, bells, C1 controls (CSI 0x9b), bidi overrides. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_ACTOR = 'eve\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil';

/** A log as hatch would serve it, signed by `signer`, its second record's actor hostile. */
function signedLog(signer: KeyPairKeyObjectResult) {
  const records: AuditRecord[] = [];
  let head: ChainHead = EMPTY_CHAIN;
  for (const actor of ['svc-billing', HOSTILE_ACTOR]) {
    head = chainRecord(head, {
      event_id: randomUUID(),
      event_type: 'SecretReadV1',
      occurred_at: '2026-12-02T10:00:00.000Z',
      recorded_at: '2026-12-02T10:00:00.000Z',
      source: 'vault',
      action: 'secret.read',
      actor,
      subject_path: 'hearth/acme/postgres',
      workspace_slug: 'acme',
      outcome: 'OK',
      trace_id: null,
      correlation_id: randomUUID(),
      causation_id: null,
      data: {},
    });
    records.push(head as AuditRecord);
  }
  const checkpoint = signCheckpoint(head, '2026-12-02T10:00:01.000Z', signer.privateKey);
  const exported = [
    exportLine({
      kind: 'hatch-export',
      version: 1,
      algorithm: 'ed25519',
      public_key: publicKeyPem(signer.publicKey),
      exported_at: '2026-12-02T10:00:02.000Z',
      head_seq: records.length,
    }),
    ...records.map((record) => exportLine({ kind: 'record', record })),
    exportLine({ kind: 'checkpoint', checkpoint }),
  ].join('');
  return { records, exported };
}

/**
 * The CLI against a hostile hatch: one that serves records made to attack the auditor's terminal, and
 * an export rewritten and re-signed under a key of its own. The built `hearth` runs as a process.
 */
describe('attack: what a hostile hatch serves the auditor', () => {
  const hatchKey = generateKeyPairSync('ed25519');
  const mallory = generateKeyPairSync('ed25519');
  const genuine = signedLog(hatchKey);
  const forged = signedLog(mallory);
  let served = genuine.exported;
  let server: Server;
  let base: string;
  const home = mkdtempSync(join(tmpdir(), 'hearth-auditor-'));
  const bare = mkdtempSync(join(tmpdir(), 'hearth-bare-'));

  beforeAll(async () => {
    writeFileSync(join(home, 'hatch-signing-key.pub'), publicKeyPem(hatchKey.publicKey));
    server = createServer((request, response) => {
      if (request.url?.startsWith('/v1/audit/records')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ items: [...genuine.records].reverse(), next_cursor: null, head_seq: 2 }));
      } else response.end(served);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(home, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  });

  const hearth = (args: string[], hearthHome = home) =>
    runCli(args, {
      env: { ...process.env, HEARTH_HOME: hearthHome, HEARTH_HATCH_URL: base, HEARTH_TOKEN: 'auditor-token' },
    });

  it('audit tail shows a record’s escape sequences and overrides, never sends them to the terminal', async () => {
    const table = await hearth(['audit', 'tail', '-n', '2']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('eve\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil');
    expect(table.stdout).not.toMatch(TERMINAL_CONTROLS);

    const json = await hearth(['audit', 'tail', '-n', '2', '--json']);
    expect(json.stdout).not.toMatch(TERMINAL_CONTROLS);
    const actors = json.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as AuditRecord).actor);
    expect(actors).toEqual(['svc-billing', HOSTILE_ACTOR]);
  });

  it("audit verify refuses an export re-signed under a swapped key, fetched or from a file, printing the pinned key's fingerprint", async () => {
    served = forged.exported;
    const live = await hearth(['audit', 'verify']);
    expect(live.code).toBe(1);
    expect(live.stdout).toMatch(/^TAMPERED/);
    expect(live.stdout).toMatch(/key SHA256:[A-Za-z0-9+/]{43} \(.*hatch-signing-key\.pub\)/);

    const file = join(home, 'forged.jsonl');
    writeFileSync(file, forged.exported);
    const offline = await hearth(['audit', 'verify', '--file', file]);
    expect(offline.code).toBe(1);
    expect(offline.stdout).not.toContain('verified');

    served = genuine.exported;
    const good = await hearth(['audit', 'verify']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('verified: 2 records');
  });

  it('audit verify refuses an export it cannot pin a key for, instead of trusting the key inside it', async () => {
    const file = join(bare, 'export.jsonl');
    writeFileSync(file, forged.exported);
    const run = await hearth(['audit', 'verify', '--file', file], bare);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no key to check the export with');
    expect(run.stdout).toBe('');
  });
});
