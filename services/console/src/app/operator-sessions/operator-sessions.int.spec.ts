import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, Session, TokenCreated, TokenList } from '@hearth/contracts';
import { databaseText, queryDatabase } from '@hearth/testkit';
import { createHash } from 'node:crypto';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const IDLE_SECONDS = 600;
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Web console sessions over the console's HTTP edge, on a clock the test moves. */
describe('web console sessions', () => {
  let h: ConsoleHarness;
  let now = Date.parse('2027-03-01T09:00:00.000Z');
  const clock = { now: () => new Date(now) };

  const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    fetch(`${h.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;
  /** Signs in with `token`: the cookie's secret, its Set-Cookie line and the session answered. */
  const signIn = async (token: string, headers: Record<string, string> = {}) => {
    const response = await call('/v1/session', { method: 'POST', body: { token }, headers });
    expect(response.status).toBe(201);
    const setCookie = response.headers.get('set-cookie')!;
    const secret = /^hearth_session=([^;]+)/.exec(setCookie)![1]!;
    return { secret, setCookie, session: Session.parse(await response.json()) };
  };
  const asAdmin = { authorization: '' };
  const newToken = async (name: string, role: 'admin' | 'operator' | 'auditor') =>
    TokenCreated.parse(
      await (await call('/v1/tokens', { method: 'POST', headers: asAdmin, body: { name, role } })).json(),
    );
  const outboxSubjects = async () =>
    (await queryDatabase<{ subject: string }>(h.db.name, 'SELECT subject FROM outbox ORDER BY subject')).map(
      (row) => row.subject,
    );

  beforeAll(async () => {
    h = await startConsoleHarness({ serve: true, clock, env: { CONSOLE_SESSION_IDLE_SECONDS: String(IDLE_SECONDS) } });
    asAdmin.authorization = `Bearer ${h.adminToken}`;
  });
  afterAll(() => h?.close());

  it('exchanges a token for an HttpOnly, SameSite=Strict cookie on /, Secure only over TLS', async () => {
    const { setCookie, session } = await signIn(h.adminToken);
    expect(setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    expect(session).toMatchObject({
      operator: { name: 'bootstrap-admin', role: 'admin' },
      idle_expires_at: new Date(now + IDLE_SECONDS * 1000).toISOString(),
    });
    expect(session.permissions).toContain('token.create');
    const overTls = await signIn(h.adminToken, { 'x-forwarded-proto': 'https' });
    expect(overTls.setCookie.split('; ')).toContain('Secure');
  });

  it('answers who the session is, with the permissions of its role, and 401 without one', async () => {
    const auditor = await newToken('session-auditor', 'auditor');
    const { secret } = await signIn(auditor.token);
    const current = await call('/v1/session', { headers: { cookie: `hearth_session=${secret}` } });
    const session = Session.parse(await current.json());
    expect(session.operator).toEqual({ name: 'session-auditor', role: 'auditor' });
    expect(session.permissions).toEqual([
      'deployment.read',
      'tenancy.read',
      'credential.read',
      'lease.read',
      'audit.read',
    ]);
    expect((await call('/v1/session')).status).toBe(401);
    expect((await call('/v1/session', { headers: { cookie: 'hearth_session=made-up' } })).status).toBe(401);
  });

  it('refuses a wrong token with 401, and records sign-ins and the refusal for HATCH', async () => {
    const response = await call('/v1/session', { method: 'POST', body: { token: 'hth_not-a-token-of-anyone' } });
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe(ErrorCode.Unauthenticated);
    const subjects = await outboxSubjects();
    expect(subjects).toContain('hatch.console.session.refuse');
    expect(subjects).toContain('hatch.console.session.create');
  });

  it('lets the cookie read and, with its CSRF token from this origin, write', async () => {
    const { secret, session } = await signIn(h.adminToken);
    const cookie = `hearth_session=${secret}`;
    expect((await call('/v1/deployments', { headers: { cookie } })).status).toBe(200);
    const created = await call('/v1/tokens', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': session.csrf_token, origin: h.url },
      body: { name: 'made-by-cookie', role: 'auditor' },
    });
    expect(created.status).toBe(201);
    const listed = TokenList.parse(await (await call('/v1/tokens', { headers: { cookie } })).json());
    expect(listed.items.map((t) => t.name)).toEqual(['bootstrap-admin', 'made-by-cookie', 'session-auditor']);
    expect(listed.items.find((t) => t.name === 'made-by-cookie')).toMatchObject({
      role: 'auditor',
      created_by: 'bootstrap-admin',
    });
  });

  it('refuses the token list to a role that may not create tokens', async () => {
    const operator = await newToken('session-operator', 'operator');
    const listed = await call('/v1/tokens', { headers: { authorization: `Bearer ${operator.token}` } });
    expect(listed.status).toBe(403);
  });

  it('ends a session at the next request once its token is revoked, here and for the other edges', async () => {
    const held = await newToken('soon-revoked', 'operator');
    const { secret } = await signIn(held.token);
    const cookie = `hearth_session=${secret}`;
    expect(await h.useCases.operatorAccess.authenticateHash(sha256Hex(secret))).toEqual({
      name: 'soon-revoked',
      role: 'operator',
    });
    expect((await call('/v1/tokens/soon-revoked', { method: 'DELETE', headers: asAdmin })).status).toBe(200);
    const after = await call('/v1/deployments', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe(ErrorCode.Unauthenticated);
    expect(await h.useCases.operatorAccess.authenticateHash(sha256Hex(secret))).toBeNull();
    const left = await queryDatabase(h.db.name, 'SELECT 1 FROM operator_sessions WHERE secret_sha256 = $1', [
      Buffer.from(sha256Hex(secret), 'hex'),
    ]);
    expect(left).toHaveLength(0);
  });

  it('ends a session left alone for the idle period, and keeps one in use alive', async () => {
    const { secret } = await signIn(h.adminToken);
    const cookie = `hearth_session=${secret}`;
    const { secret: used } = await signIn(h.adminToken);
    for (let step = 0; step < 4; step++) {
      now += (IDLE_SECONDS / 3) * 1000;
      expect((await call('/v1/session', { headers: { cookie: `hearth_session=${used}` } })).status).toBe(200);
    }
    expect((await call('/v1/session', { headers: { cookie } })).status).toBe(401);
    expect(await h.useCases.operatorAccess.authenticateHash(sha256Hex(secret))).toBeNull();
  });

  it('signs out with its CSRF token: the session ends and the cookie is cleared', async () => {
    const { secret, session } = await signIn(h.adminToken);
    const cookie = `hearth_session=${secret}`;
    const refused = await call('/v1/session', { method: 'DELETE', headers: { cookie } });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe(ErrorCode.CsrfRefused);
    const out = await call('/v1/session', {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': session.csrf_token },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^hearth_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
    expect((await call('/v1/session', { headers: { cookie } })).status).toBe(401);
    expect(await outboxSubjects()).toContain('hatch.console.session.delete');
  });

  it('keeps neither a session secret nor a CSRF token in its database, only their SHA-256', async () => {
    const { secret, session } = await signIn(h.adminToken);
    const text = await databaseText(h.db.name);
    expect(text).toContain(sha256Hex(secret));
    expect(text).toContain(sha256Hex(session.csrf_token));
    expect(text).not.toContain(secret);
    expect(text).not.toContain(session.csrf_token);
  });

  it('signs in from a JSON body only: a form posted by another page is no sign-in', async () => {
    const form = await fetch(`${h.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(h.adminToken)}`,
    });
    expect(form.status).toBe(400);
    expect(form.headers.get('set-cookie')).toBeNull();
  });

  it('turns an address away after 10 refused sign-ins in a minute, unrecorded, even with a good token', async () => {
    now += 120_000; // past the window of the refusal made above
    const refusals = async () => (await outboxSubjects()).filter((s) => s === 'hatch.console.session.refuse').length;
    const before = await refusals();
    for (let n = 0; n < 10; n++) {
      const refused = await call('/v1/session', { method: 'POST', body: { token: `hth_wrong-${n}` } });
      expect(refused.status).toBe(401);
    }
    for (const token of ['hth_wrong-again', h.adminToken]) {
      const throttled = await call('/v1/session', { method: 'POST', body: { token } });
      expect(throttled.status).toBe(429);
      expect(await errorCode(throttled)).toBe(ErrorCode.SignInThrottled);
    }
    expect((await refusals()) - before).toBe(10);
    now += 60_000;
    await signIn(h.adminToken);
  });
});
