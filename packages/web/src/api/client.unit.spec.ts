import { afterEach, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  ApiError,
  describeError,
  encodePath,
  errorOf,
  onUnauthenticated,
  request,
  setCsrfToken,
  setFetch,
} from './client';

interface Sent {
  path: string;
  init: RequestInit;
}

function answering(status: number, body: unknown): Sent[] {
  const sent: Sent[] = [];
  setFetch((path, init) => {
    sent.push({ path, init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return Promise.resolve(new Response(status === 204 ? null : text, { status }));
  });
  return sent;
}

const Thing = z.object({ name: z.string() }).strict();

describe('the API client', () => {
  afterEach(() => {
    setCsrfToken(null);
    onUnauthenticated(() => {});
  });

  it('answers the parsed body, sending the session cookie and no CSRF token on a GET', async () => {
    setCsrfToken('csrf-1');
    const sent = answering(200, { name: 'x' });
    await expect(request(Thing, '/v1/thing')).resolves.toEqual({ name: 'x' });
    expect(sent[0]!.init.credentials).toBe('same-origin');
    expect((sent[0]!.init.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
  });

  it('adds the CSRF token and a JSON body to every other method', async () => {
    setCsrfToken('csrf-1');
    const sent = answering(200, { name: 'x' });
    await request(Thing, '/v1/thing', { method: 'POST', body: { a: 1 } });
    await request(Thing, '/v1/thing', { method: 'DELETE' });
    for (const { init } of sent) expect((init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-1');
    expect(sent[0]!.init.body).toBe('{"a":1}');
    expect((sent[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it("turns an error body into an ApiError carrying the API's code, message and fields", async () => {
    answering(409, { error: { code: 'CONSOLE.DEPLOYMENT_EXISTS', message: 'acme is deployed' } });
    const error = await request(Thing, '/v1/deployments', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'CONSOLE.DEPLOYMENT_EXISTS', message: 'acme is deployed', status: 409 });
    expect(describeError(error)).toBe('CONSOLE.DEPLOYMENT_EXISTS — acme is deployed');

    const fields = [{ field: 'password', code: 'REQUIRED', message: 'is required' }];
    expect(errorOf(400, { error: { code: 'VAULT.INVALID_FIELDS', message: 'bad', fields } }).fields).toEqual(fields);
  });

  it('names the status when the answer has no error body', () => {
    expect(errorOf(502, '<html>')).toMatchObject({ code: 'HTTP.502', status: 502 });
    expect(errorOf(401, undefined).code).toBe('AUTH.UNAUTHENTICATED');
  });

  it('sends the app back to sign-in on a 401 anywhere, except where a 401 is the answer', async () => {
    let signedOut = 0;
    onUnauthenticated(() => signedOut++);
    answering(401, { error: { code: 'AUTH.UNAUTHENTICATED', message: 'no session' } });
    await expect(request(Thing, '/v1/deployments')).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    expect(signedOut).toBe(1);
    await expect(request(Thing, '/v1/session', { quietUnauthenticated: true })).rejects.toBeInstanceOf(ApiError);
    expect(signedOut).toBe(1);
  });

  it('refuses an answer that does not match its schema', async () => {
    answering(200, { name: 1 });
    await expect(request(Thing, '/v1/thing')).rejects.toMatchObject({ code: 'WEB.BAD_ANSWER' });
  });

  it('says when the console cannot be reached', async () => {
    setFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(request(Thing, '/v1/thing')).rejects.toMatchObject({ code: 'WEB.NETWORK' });
  });

  it("keeps a credential path's slashes in a URL, and refuses a segment the browser would resolve", () => {
    expect(encodePath('hearth/acme/db main')).toBe('hearth/acme/db%20main');
    for (const path of ['hearth/staging/../prod/db', 'hearth/./db', 'hearth//db', '/hearth/db']) {
      expect(() => encodePath(path)).toThrow(ApiError);
    }
  });
});
