import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentRef, ErrorCode, Session } from '@hearth/contracts';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

/** An upstream HTTP edge standing in for the vault or hatch: what it was asked, and a tail it holds open. */
async function startUpstream() {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  let release: () => void = () => undefined;
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method!, url: request.url!, headers: request.headers });
    if (request.url!.startsWith('/v1/audit/tail')) {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      response.write('id: 1\nevent: record\ndata: {"seq":1}\n\n');
      release = () => response.end('id: 2\nevent: record\ndata: {"seq":2}\n\n');
      return;
    }
    if (request.url!.startsWith('/v1/credentials/missing')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'VAULT.SECRET_NOT_FOUND', message: 'no such credential' } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' });
    response.end(JSON.stringify({ url: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    endTail: () => release(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A GET of `path` exactly as written (no dot-segment resolution): its status. */
function rawGet(base: string, path: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    get({ host: hostname, port, path, headers: { cookie } }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    }).on('error', reject);
  });
}

/** Reads a streamed body until `wanted` has come, leaving the stream open; what came so far. */
async function readUntil(body: ReadableStream<Uint8Array>, wanted: string): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(wanted)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe('the console’s web edge: read proxy, live deployments, the built app', () => {
  let h: ConsoleHarness;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let webRoot: string;
  let cookie: string;
  let secret: string;

  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${h.url}${path}`, { method, headers });

  beforeAll(async () => {
    upstream = await startUpstream();
    webRoot = await mkdtemp(join(tmpdir(), 'hearth-web-'));
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Hearth</title><div id="root"></div>');
    await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log("hearth")');
    h = await startConsoleHarness({
      serve: true,
      streamRecheckMs: 300,
      env: { CONSOLE_VAULT_URL: upstream.url, CONSOLE_HATCH_URL: upstream.url, CONSOLE_WEB_ROOT: webRoot },
    });
    const signedIn = await fetch(`${h.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: h.adminToken }),
    });
    Session.parse(await signedIn.json());
    secret = /^hearth_session=([^;]+)/.exec(signedIn.headers.get('set-cookie')!)![1]!;
    cookie = `hearth_session=${secret}`;
  });
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('passes a vault read on with the session secret as the bearer token, and never the cookie', async () => {
    const response = await call('/v1/vault/credentials?prefix=hearth%2Facme', { cookie });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ url: '/v1/credentials?prefix=hearth%2Facme' });
    expect(response.headers.get('set-cookie')).toBeNull();
    const asked = upstream.seen.at(-1)!;
    expect(asked.headers.authorization).toBe(`Bearer ${secret}`);
    expect(asked.headers.cookie).toBeUndefined();
  });

  it('passes a bearer caller’s own token on, and the upstream’s refusal as it came', async () => {
    const response = await call('/v1/vault/credentials/missing/db', { authorization: `Bearer ${h.adminToken}` });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'VAULT.SECRET_NOT_FOUND', message: 'no such credential' } });
    expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${h.adminToken}`);
  });

  it('asks nobody upstream for a caller it cannot authenticate, nor for a path climbing out', async () => {
    const before = upstream.seen.length;
    expect((await call('/v1/vault/credentials')).status).toBe(401);
    expect((await call('/v1/audit/records', { cookie: 'hearth_session=forged' })).status).toBe(401);
    // Sent as written: fetch itself would resolve the dots before the console saw them.
    expect(await rawGet(h.url, '/v1/vault/%2e%2e/%2e%2e/metrics', cookie)).toBe(400);
    expect(await rawGet(h.url, '/v1/audit/../vault-internal', cookie)).toBe(400);
    expect(upstream.seen.length).toBe(before);
  });

  it('proxies only GET', async () => {
    const before = upstream.seen.length;
    const response = await call('/v1/audit/records', { authorization: `Bearer ${h.adminToken}` }, 'POST');
    expect(response.status).toBe(404);
    expect(upstream.seen.length).toBe(before);
  });

  it('streams hatch’s live tail through as it comes', async () => {
    const response = await call('/v1/audit/tail', { cookie, 'last-event-id': '0' });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(upstream.seen.at(-1)).toMatchObject({ url: '/v1/audit/tail', headers: { 'last-event-id': '0' } });
    // The first record arrives while hatch still holds the tail open.
    expect(await readUntil(response.body!, '"seq":1')).toContain('event: record');
    upstream.endTail();
    expect(await readUntil(response.body!, '"seq":2')).toContain('"seq":2');
  });

  it('sends each committed deployment change as an event, and ends the stream when the caller stops passing', async () => {
    const auditor = await h.useCases.createToken.run({ name: 'watcher', role: 'auditor' }, callers.admin);
    const response = await call('/v1/deployments/events', { authorization: `Bearer ${auditor.token}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = response.body!;
    await h.registerWorkspace('live-one');
    const created = await fetch(`${h.url}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(deploymentRequest('live-one')),
    });
    expect(created.status).toBe(201);
    const text = await readUntil(body, '\n\n');
    const events = text + (text.includes('event: deployment') ? '' : await readUntil(body, 'event: deployment'));
    const data = /event: deployment\ndata: (.*)\n/.exec(events + (await readUntil(body, '\n\n')))![1]!;
    expect(DeploymentRef.parse(JSON.parse(data))).toMatchObject({
      workspace_slug: 'live-one',
      last_status: 'requested',
    });
    await fetch(`${h.url}/v1/tokens/watcher`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${h.adminToken}` },
    });
    const ending = await readUntil(body, 'event: error');
    expect(ending).toContain(ErrorCode.Unauthenticated);
  });

  it('refuses the stream to a caller who may not read', async () => {
    expect((await call('/v1/deployments/events')).status).toBe(401);
  });

  it('serves the built app with its security headers, and index.html for the app’s own routes', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const deep = await call('/deployments/live-one');
    expect(await deep.text()).toContain('<div id="root">');
    const asset = await call('/assets/app-1234.js');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(await asset.text()).toBe('console.log("hearth")');
    const api = await call('/v1/no-such-route', { authorization: `Bearer ${h.adminToken}` });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
  });
});
