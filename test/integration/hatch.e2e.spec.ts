import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuditExportLine,
  AuditRecord,
  AuditRecordPage,
  ServiceErrorHeaders,
  Subjects,
  TokenHashHeader,
  type AuditEvent,
} from '@hearth/contracts';
import {
  runCli,
  SAMPLE_READS,
  secretReadFixture,
  type CliRun,
  queryDatabase,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  until,
  type RunningConsole,
  type RunningHatch,
  type TestNats,
  publishSigned,
  sharedServiceKeys,
} from '@hearth/testkit';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const signingKey = generateKeyPairSync('ed25519');
/** The auditor's HEARTH_HOME: hatch's public key, which `hearth audit verify` pins. */
const auditorHome = mkdtempSync(join(tmpdir(), 'hatch-e2e-home-'));
writeFileSync(
  join(auditorHome, 'hatch-signing-key.pub'),
  signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
);
afterAll(() => rmSync(auditorHome, { recursive: true, force: true }));

/** NATS headers naming an operator token by its SHA-256, as a NATS request must. */
function tokenHeaders(token: string) {
  const h = natsHeaders();
  h.set(TokenHashHeader, createHash('sha256').update(token).digest('hex'));
  return h;
}

/** What the vault would publish for a read, at a fixed time so time filters can be tested. */
const readAt = (n: number, actor: string, workspace: string, outcome: 'OK' | 'DENIED') =>
  secretReadFixture({ version: n, actor, workspace, outcome, occurredAt: new Date(Date.UTC(2026, 10, 22, 10, n)) });

/** The tokens issued before the sample reads, each recorded by the console. */
const TOKEN_RECORDS = 2;
/** The seq of the sample read `n` (counted from 1), after the console's records of the tokens. */
const seq = (n: number) => n + TOKEN_RECORDS;

describe('hatch, as a process beside the console: auditors read, nobody writes', () => {
  let nats: TestNats;
  let consoleService: RunningConsole;
  let hatchService: RunningHatch;
  let adminToken: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let consoleBase: string;
  let hatchBase: string;
  let auditorToken: string;
  let operatorToken: string;

  const request = (base: string, path: string, token: string | null, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const hatch = (path: string, token: string | null = auditorToken, init = {}) => request(hatchBase, path, token, init);
  const page = async (query: string, token = auditorToken) => {
    const response = await hatch(`/v1/audit/records?${query}`, token);
    expect(response.status).toBe(200);
    return AuditRecordPage.parse(await response.json());
  };
  const publish = async (event: AuditEvent) => {
    await publishSigned(js, sharedServiceKeys().signer('vault'), 'hatch.vault.secret.read', event, { msgID: event.id });
    return event;
  };
  const issueToken = async (name: string, role: string) => {
    const response = await fetch(`${consoleService.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { token: string }).token;
  };
  const revokeToken = async (name: string) => {
    const response = await request(consoleBase, `/v1/tokens/${name}`, adminToken, { method: 'DELETE' });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    nats = await startNats();
    [consoleService, hatchService] = await Promise.all([
      startConsoleProcess(nats.url),
      startHatchProcess(nats.url, {
        HATCH_SIGNING_KEY: signingKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        HATCH_CHECKPOINT_EVERY: '5',
        HATCH_CHECKPOINT_SECONDS: '1',
        // Short, so an open tail notices a revoked token within seconds.
        HATCH_TOKEN_CACHE_SECONDS: '1',
      }),
    ]);
    hatchBase = hatchService.url;
    adminToken = consoleService.adminToken;
    consoleBase = consoleService.url;
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    auditorToken = await issueToken('auditor-1', 'auditor');
    operatorToken = await issueToken('operator-1', 'operator');
    // The console records each token it issues in HATCH: those two come first, then the sample reads.
    await until(async () => (await page('limit=1&order=desc', adminToken)).head_seq >= TOKEN_RECORDS, {
      what: 'hatch recorded the two tokens issued',
    });

    for (const [n, [actor, workspace, outcome]] of SAMPLE_READS.entries())
      await publish(readAt(n + 1, actor, workspace, outcome));
    await until(async () => (await page('limit=1&order=desc', adminToken)).head_seq >= seq(12), {
      what: 'hatch recorded 12 events',
    });
  });
  afterAll(async () => {
    await nc?.close();
    await hatchService?.stop();
    await consoleService?.stop();
    await nats?.stop();
  });

  // What each filter means is search-records.int.spec.ts's business; here, that HTTP carries every one.
  it('lets an auditor search over HTTP: every filter from the query string, paged by seq, a bad query refused', async () => {
    const billing = await page('actor=svc-billing&limit=3');
    expect(billing.items.map((r) => r.seq)).toEqual([1, 3, 4].map(seq));
    expect(billing.next_cursor).toBe(seq(4));
    const next = await page(`actor=svc-billing&limit=3&after_seq=${billing.next_cursor}`);
    expect(next.items.map((r) => r.seq)).toEqual([6, 7, 9].map(seq));

    const everyFilter = [
      'actor=svc-billing',
      'path_prefix=hearth/ac',
      'workspace=acme',
      'source=vault',
      'action=secret.read',
      'outcome=OK',
      'from=2026-11-22T10:01:00Z',
      'to=2026-11-22T10:10:00Z',
    ].join('&');
    expect((await page(everyFilter)).items.map((r) => r.seq)).toEqual([1, 4, 9].map(seq));
    const newest = await page('order=desc&limit=2');
    expect(newest.items.map((r) => r.seq)).toEqual([12, 11].map(seq));
    expect((await page(`order=desc&limit=2&before_seq=${newest.next_cursor}`)).items.map((r) => r.seq)).toEqual(
      [10, 9].map(seq),
    );

    const bad = await hatch('/v1/audit/records?limit=0&sneaky=1');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'HEARTH.INVALID_REQUEST' } });
  });

  it('answers the same search over NATS, to an auditor token only', async () => {
    const query = (body: unknown, token: string | null) =>
      nc.request(Subjects.auditRecordsQuery, JSON.stringify(body), {
        timeout: 5_000,
        ...(token === null ? {} : { headers: tokenHeaders(token) }),
      });
    const reply = await query({ workspace: 'initech' }, auditorToken);
    expect(reply.headers?.get(ServiceErrorHeaders.code)).toBeFalsy();
    expect(AuditRecordPage.parse(reply.json()).items.map((r) => r.seq)).toEqual([7, 11].map(seq));
    const refused = await query({ limit: 'many' }, auditorToken);
    expect(refused.headers?.get(ServiceErrorHeaders.code)).toBe('HEARTH.INVALID_REQUEST');

    // Anyone on the bus can send the request; without an auditor's token no record comes back.
    for (const [token, code] of [
      [null, 'AUTH.UNAUTHENTICATED'],
      ['hth_not-a-token', 'AUTH.UNAUTHENTICATED'],
      [operatorToken, 'AUTH.FORBIDDEN'],
    ] as const) {
      const denied = await query({ workspace: 'initech' }, token);
      expect(denied.headers?.get(ServiceErrorHeaders.code)).toBe(code);
      expect(denied.json()).toEqual({ error: { code, message: expect.any(String) } });
    }
    // The token itself is never what a NATS request carries: sent in clear, it opens nothing.
    const clear = natsHeaders();
    clear.set(TokenHashHeader, auditorToken);
    clear.set('Authorization', `Bearer ${auditorToken}`);
    const inClear = await nc.request(Subjects.auditRecordsQuery, JSON.stringify({}), {
      timeout: 5_000,
      headers: clear,
    });
    expect(inClear.headers?.get(ServiceErrorHeaders.code)).toBe('AUTH.UNAUTHENTICATED');
    // The token is checked before the body: a stranger learns nothing from validation errors either.
    const probe = await query({ limit: 'many' }, null);
    expect(probe.headers?.get(ServiceErrorHeaders.code)).toBe('AUTH.UNAUTHENTICATED');
  });

  it('refuses an operator token (403), and no token or an unknown one (401)', async () => {
    for (const path of ['/v1/audit/records', '/v1/audit/tail', '/v1/audit/export']) {
      const asOperator = await hatch(path, operatorToken);
      expect(asOperator.status).toBe(403);
      expect(await asOperator.json()).toMatchObject({ error: { code: 'AUTH.FORBIDDEN' } });
      const anonymous = await hatch(path, null);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'AUTH.UNAUTHENTICATED' } });
      expect((await hatch(path, 'hth_not-a-token')).status).toBe(401);
    }
  });

  it('has no route that changes or deletes a record, whoever asks; an auditor cannot write to the console either', async () => {
    const before = await page('limit=1000', adminToken);
    for (const token of [auditorToken, adminToken]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        for (const path of [
          '/v1/audit/records',
          '/v1/audit/records/1',
          '/v1/audit/export',
          '/v1/audit/tail',
          '/v1/audit',
        ]) {
          const response = await hatch(path, token, { method, body: { seq: 1, actor: 'mallory' } });
          expect([404, 405]).toContain(response.status);
        }
      }
    }
    const after = await page(`limit=1000&after_seq=0`, adminToken);
    expect(after.items.slice(0, before.items.length)).toEqual(before.items);

    const write = await request(consoleBase, '/v1/deployments', auditorToken, {
      method: 'POST',
      body: { slug: 'by-auditor', tier: 'dev', driver: 'localdocker', sidecars: [] },
    });
    expect(write.status).toBe(403);
  });

  it('streams the live tail: history from since_seq, then live events, resuming after Last-Event-ID', async () => {
    const tail = await openTail(`/v1/audit/tail?since_seq=${seq(10)}`);
    expect(tail.response.headers.get('content-type')).toContain('text/event-stream');
    expect((await tail.next(3)).map((r) => r.seq)).toEqual([10, 11, 12].map(seq));
    const live = await publish(readAt(13, 'svc-live', 'acme', 'OK'));
    expect(await tail.next(1)).toMatchObject([{ seq: seq(13), event_id: live.id, actor: 'svc-live' }]);
    tail.close();

    await publish(readAt(14, 'svc-live', 'acme', 'OK'));
    const resumed = await openTail('/v1/audit/tail', { 'last-event-id': String(seq(12)) });
    expect((await resumed.next(2)).map((r) => r.seq)).toEqual([13, 14].map(seq));
    resumed.close();

    const filtered = await openTail('/v1/audit/tail?since_seq=1&workspace=globex');
    expect((await filtered.next(3)).map((r) => r.seq)).toEqual([3, 5, 10].map(seq));
    filtered.close();
  });

  it("ends an open tail with the error's code once its token is revoked or its role may not read; a valid tail stays open", async () => {
    const revokedToken = await issueToken('auditor-revoked', 'auditor');
    const demotedToken = await issueToken('auditor-demoted', 'auditor');
    const revoked = await openTail('/v1/audit/tail', {}, revokedToken);
    const demoted = await openTail('/v1/audit/tail', {}, demotedToken);
    // The console records the tokens issued and revoked here too: this tail follows the vault's reads only.
    const valid = await openTail('/v1/audit/tail?source=vault');
    await Promise.all([revoked.idle(), demoted.idle(), valid.idle()]); // each passed a re-check with its token

    // An admin revokes one; the other's role changes in the console's database (the console has no API for that).
    await revokeToken('auditor-revoked');
    await queryDatabase(
      consoleService.db.name,
      `UPDATE operator_tokens SET role = 'operator' WHERE name = 'auditor-demoted'`,
    );
    const changed = Date.now();
    const [revokedEnd, demotedEnd] = await Promise.all([revoked.end(), demoted.end()]);
    expect(revokedEnd).toEqual({ error: { code: 'AUTH.UNAUTHENTICATED', message: expect.any(String) } });
    expect(demotedEnd).toEqual({ error: { code: 'AUTH.FORBIDDEN', message: expect.any(String) } });
    // A 1 s cache re-checked every 1 s ends them within about 2 s; the rest is slack for a busy machine.
    expect(Date.now() - changed).toBeLessThan(6_000);

    await valid.idle(); // and it passes more re-checks: still open, and still live
    const live = await publish(readAt(15, 'svc-after-revoke', 'acme', 'OK'));
    expect(await valid.next(1)).toMatchObject([{ event_id: live.id, actor: 'svc-after-revoke' }]);
    valid.close();
    // Reconnecting does not help the revoked one.
    expect((await hatch('/v1/audit/tail', revokedToken)).status).toBe(401);
  });

  it('ends `hearth audit tail -f` with the code, not a reconnect, when its token is revoked under it', async () => {
    const token = await issueToken('auditor-cli-revoked', 'auditor');
    const cli = spawn(process.execPath, ['packages/cli/dist/main.js', 'audit', 'tail', '-f', '-n', '1', '--json'], {
      env: { ...process.env, HEARTH_HATCH_URL: hatchBase, HEARTH_TOKEN: token },
    });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    try {
      await until(() => stdout.includes('\n'), { what: 'the CLI printed the latest record' });
      const live = await publish(readAt(16, 'svc-cli-follow', 'acme', 'OK'));
      await until(() => stdout.includes(live.id), { what: 'the CLI printed a live record: it follows the tail' });
      await revokeToken('auditor-cli-revoked');
      expect(await exited).toBe(1);
      expect(stderr).toContain('AUTH.UNAUTHENTICATED');
      expect(stderr).not.toContain('reconnecting');
    } finally {
      cli.kill();
    }
  });

  it('exports JSON Lines with hatch public key, every record and signed checkpoints', async () => {
    await until(
      async () => exportLines().then((lines) => lines.some((l) => l.kind === 'checkpoint' && l.checkpoint.seq >= 12)),
      { what: 'a checkpoint covers seq 12' },
    );
    const lines = await exportLines();
    const [header, ...rest] = lines;
    expect(header).toMatchObject({
      kind: 'hatch-export',
      algorithm: 'ed25519',
      public_key: signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    const records = rest.flatMap((l) => (l.kind === 'record' ? [l.record] : []));
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    expect(records.length).toBeGreaterThanOrEqual(12);
    expect(records[0]!.prev_hash).toBe('0'.repeat(64));
    expect(records.slice(1).every((r, i) => r.prev_hash === records[i]!.hash)).toBe(true);
    expect((await hatch('/v1/audit/export', operatorToken)).status).toBe(403);
  });

  it('is verified, tailed and refused through the hearth CLI', async () => {
    const verified = await hearth(['audit', 'verify'], auditorToken);
    expect(verified).toMatchObject({ code: 0 });
    expect(verified.stdout).toMatch(/^verified: \d+ records \(seq 1\.\.\d+\), \d+ signed checkpoints/);

    const tail = await hearth(['audit', 'tail', '-n', '3', '--workspace', 'acme', '--json'], auditorToken);
    expect(tail.code).toBe(0);
    const lines = tail.stdout
      .trim()
      .split('\n')
      .map((l) => AuditRecord.parse(JSON.parse(l)));
    expect(lines.map((r) => r.workspace_slug)).toEqual(['acme', 'acme', 'acme']);
    expect(lines.map((r) => r.seq)).toEqual([...lines.map((r) => r.seq)].sort((a, b) => a - b));
    const table = await hearth(['audit', 'tail', '--since', '1', '--actor', 'svc-search'], auditorToken);
    expect(table.stdout.split('\n')[0]).toMatch(/^SEQ +OCCURRED \(UTC\) +SOURCE +ACTION +ACTOR/);
    expect(table.stdout).toContain('vault     secret.read         svc-search');

    // An export edited offline: verify names the record and fails.
    const dir = mkdtempSync(join(tmpdir(), 'hatch-e2e-'));
    try {
      const exported = await (await hatch('/v1/audit/export')).text();
      const edited = exported.replace('"actor":"svc-search"', '"actor":"svc-billing"');
      const file = join(dir, 'edited.jsonl');
      writeFileSync(file, edited);
      const firstSearch = exported.split('\n').find((l) => l.includes('"actor":"svc-search"'))!;
      const seq = (JSON.parse(firstSearch) as { record: AuditRecord }).record.seq;
      const tampered = await hearth(['audit', 'verify', '--file', file], null);
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toContain(`TAMPERED: first bad seq ${seq}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const refused = await hearth(['audit', 'tail'], operatorToken);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('AUTH.FORBIDDEN');
  });

  it("fails `hearth audit verify` of the live export, naming the first bad seq, when hatch's database is tampered with", async () => {
    // As someone who can alter the schema would: the append-only triggers off for the change only.
    // Each change is undone afterwards (and the log shown to verify again), so the tests after see the log as it was.
    const tamper = (sql: string) =>
      queryDatabase(
        hatchService.db.name,
        `BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT`,
      );
    const verify = () => hearth(['audit', 'verify'], auditorToken);
    expect(await verify()).toMatchObject({ code: 0 });

    const [third] = await queryDatabase<{ actor: string }>(
      hatchService.db.name,
      'SELECT actor FROM audit_log WHERE seq = 3',
    );
    expect(third).toEqual({ actor: 'svc-billing' });
    try {
      await tamper(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`);
      const edited = await verify();
      expect(edited.code).toBe(1);
      expect(edited.stdout).toContain('TAMPERED: first bad seq 3: record 3 does not match its hash');
    } finally {
      await tamper(`UPDATE audit_log SET actor = 'svc-billing' WHERE seq = 3`);
    }
    expect(await verify()).toMatchObject({ code: 0 });

    try {
      await tamper(
        'CREATE TABLE deleted_row AS SELECT * FROM audit_log WHERE seq = 8; DELETE FROM audit_log WHERE seq = 8',
      );
      const deleted = await verify();
      expect(deleted.code).toBe(1);
      expect(deleted.stdout).toContain('TAMPERED: first bad seq 8: expected record 8 here, found record 9');
    } finally {
      await tamper('INSERT INTO audit_log SELECT * FROM deleted_row; DROP TABLE deleted_row');
    }
    const restored = await verify();
    expect(restored).toMatchObject({ code: 0 });
  });

  it('never logs a token', () => {
    const output = hatchService.process.output.join('\n');
    for (const token of [adminToken, auditorToken, operatorToken]) expect(output).not.toContain(token);
  });

  /** Runs the built `hearth` CLI against this hatch with `token` (or none). */
  function hearth(args: string[], token: string | null): Promise<CliRun> {
    return runCli(args, {
      env: {
        ...process.env,
        HEARTH_HOME: auditorHome,
        HEARTH_HATCH_URL: hatchBase,
        ...(token ? { HEARTH_TOKEN: token } : {}),
      },
    });
  }

  async function exportLines(): Promise<AuditExportLine[]> {
    const response = await hatch('/v1/audit/export');
    expect(response.status).toBe(200);
    const text = await response.text();
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => AuditExportLine.parse(JSON.parse(l)));
  }

  /** An SSE reader that hands out the next `count` records as they come, or waits for the stream to end. */
  async function openTail(path: string, headers: Record<string, string> = {}, token = auditorToken) {
    const stop = new AbortController();
    const response = await fetch(`${hatchBase}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
      signal: stop.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    /** The next SSE block, read within 15 s. */
    const block = async (deadline = Date.now() + 15_000): Promise<string> => {
      for (let end = buffer.indexOf('\n\n'); end === -1; end = buffer.indexOf('\n\n')) {
        if (Date.now() > deadline) throw new Error('the tail said nothing for 15 s');
        const { value, done } = await reader.read();
        if (done) throw new Error('the tail ended');
        buffer += decoder.decode(value, { stream: true });
      }
      const [first] = buffer.split('\n\n', 1);
      buffer = buffer.slice(first!.length + 2);
      return first!;
    };
    const next = async (count: number): Promise<AuditRecord[]> => {
      const records: AuditRecord[] = [];
      const deadline = Date.now() + 15_000;
      while (records.length < count) {
        const event = await block(deadline);
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (event.includes('event: record') && data) records.push(AuditRecord.parse(JSON.parse(data.slice(6))));
      }
      return records;
    };
    /** Reads on to the next keep-alive: the tail was idle, and asked about its token again before it said so. */
    const idle = async (): Promise<void> => {
      while ((await block()) !== ': keep-alive');
    };
    /** The data of the `error` event the stream ended with (null if none); fails if it does not end within 10 s. */
    const end = async (): Promise<unknown> => {
      const timer = setTimeout(() => stop.abort(), 10_000);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
        }
      } catch {
        throw new Error('the tail did not end within 10 s');
      } finally {
        clearTimeout(timer);
      }
      const last = buffer.split('\n\n').find((block) => block.startsWith('event: error\n'));
      return last === undefined ? null : JSON.parse(last.slice('event: error\ndata: '.length));
    };
    return { response, next, idle, end, close: () => stop.abort() };
  }
});
