import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, Session, TokenCreated, TokenList } from '@hearth/contracts';
import {
  databaseText,
  freePort,
  queryDatabase,
  startConsoleProcess,
  startHatchProcess,
  startNats,
  until,
  type RunningConsole,
  type RunningHatch,
  type TestNats,
} from '@hearth/testkit';

/**
 * The web console's session, attacked against the console and hatch as processes: writes riding the
 * cookie without its CSRF token or from another site, a session outliving its revoked token at the
 * console, through its read proxy and at hatch's own edge, the session's secrets looked for where
 * they must never be, live streams opened without end, and sign-ins guessed without end.
 */
describe('attack: web console sessions', () => {
  let nats: TestNats;
  let hearthConsole: RunningConsole;
  let hatch: RunningHatch;
  const secrets: string[] = [];

  const call = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    fetch(`${hearthConsole.url}${path}`, {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      body: init.body,
    });
  const json = (body: unknown) => ({ body: JSON.stringify(body), type: { 'content-type': 'application/json' } });
  const admin = () => ({ authorization: `Bearer ${hearthConsole.adminToken}` });
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;
  const signIn = async (token: string) => {
    const { body, type } = json({ token });
    const response = await call('/v1/session', { method: 'POST', headers: type, body });
    expect(response.status).toBe(201);
    const secret = /^hearth_session=([^;]+)/.exec(response.headers.get('set-cookie')!)![1]!;
    const session = Session.parse(await response.json());
    secrets.push(secret, session.csrf_token);
    return { cookie: `hearth_session=${secret}`, secret, session, setCookie: response.headers.get('set-cookie')! };
  };
  const tokenNames = async () =>
    TokenList.parse(await (await call('/v1/tokens', { headers: admin() })).json()).items.map((t) => t.name);

  beforeAll(async () => {
    nats = await startNats();
    const hatchPort = await freePort();
    hearthConsole = await startConsoleProcess(nats.url, {
      LOG_LEVEL: 'debug',
      CONSOLE_HATCH_URL: `http://127.0.0.1:${hatchPort}`,
    });
    hatch = await startHatchProcess(nats.url, { HATCH_PORT: String(hatchPort), HATCH_TOKEN_CACHE_SECONDS: '1' });
  });
  afterAll(async () => {
    await hatch?.stop();
    await hearthConsole?.stop();
    await nats?.stop();
  });

  it('sets the cookie HttpOnly and SameSite=Strict, so no script reads it and no other site sends it', async () => {
    const { setCookie } = await signIn(hearthConsole.adminToken);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
  });

  it('refuses a write riding the cookie without its CSRF token, or with another, and changes nothing', async () => {
    const { cookie } = await signIn(hearthConsole.adminToken);
    const { body, type } = json({ name: 'planted', role: 'admin' });
    for (const csrf of [undefined, 'not-the-token', '']) {
      const headers = { cookie, ...type, ...(csrf !== undefined ? { 'x-csrf-token': csrf } : {}) };
      const response = await call('/v1/tokens', { method: 'POST', headers, body });
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe(ErrorCode.CsrfRefused);
    }
    const revoke = await call('/v1/tokens/bootstrap-admin', { method: 'DELETE', headers: { cookie } });
    expect(revoke.status).toBe(403);
    expect(await tokenNames()).not.toContain('planted');
  });

  it('does nothing for a forged cross-site POST: a foreign Origin, or a form the browser sends with the cookie', async () => {
    const { cookie, session } = await signIn(hearthConsole.adminToken);
    const { body, type } = json({ name: 'planted-cross-site', role: 'admin' });
    const foreign = await call('/v1/tokens', {
      method: 'POST',
      headers: { cookie, ...type, 'x-csrf-token': session.csrf_token, origin: 'https://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    expect(await errorCode(foreign)).toBe(ErrorCode.CsrfRefused);
    const form = await call('/v1/tokens', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      body: 'name=planted-by-form&role=admin',
    });
    expect(form.status).toBe(403);
    const sameOriginForm = await call('/v1/tokens', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=planted-by-form&role=admin',
    });
    expect(sameOriginForm.status).toBe(403);
    expect(await tokenNames()).not.toEqual(expect.arrayContaining(['planted-cross-site']));
    expect(await tokenNames()).not.toContain('planted-by-form');
  });

  it('refuses a session of a revoked token at once at the console and its proxy, and at hatch once its cache lapses', async () => {
    const { body, type } = json({ name: 'auditor-to-revoke', role: 'auditor' });
    const created = TokenCreated.parse(
      await (await call('/v1/tokens', { method: 'POST', headers: { ...admin(), ...type }, body })).json(),
    );
    secrets.push(created.token);
    const { cookie, secret } = await signIn(created.token);
    const atHatch = () =>
      fetch(`${hatch.url}/v1/audit/records?limit=1`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await call('/v1/audit/records?limit=1', { headers: { cookie } })).status).toBe(200);
    expect((await atHatch()).status).toBe(200);

    expect((await call('/v1/tokens/auditor-to-revoke', { method: 'DELETE', headers: admin() })).status).toBe(200);
    const atConsole = await call('/v1/session', { headers: { cookie } });
    expect(atConsole.status).toBe(401);
    expect(await errorCode(atConsole)).toBe(ErrorCode.Unauthenticated);
    expect((await call('/v1/audit/records?limit=1', { headers: { cookie } })).status).toBe(401);
    await until(async () => (await atHatch()).status === 401, {
      timeoutMs: 10_000,
      what: "hatch refusing the revoked token's session",
    });
  });

  it('keeps every session secret and CSRF token out of its database and its logs', async () => {
    expect(secrets.length).toBeGreaterThan(4);
    const places = {
      database: await databaseText(hearthConsole.db.name),
      logs: hearthConsole.runs.flatMap((run) => run.output).join('\n'),
      hatchLogs: hatch.runs.flatMap((run) => run.output).join('\n'),
    };
    for (const [place, text] of Object.entries(places)) {
      expect(text.length).toBeGreaterThan(0);
      for (const secret of secrets) expect({ place, found: text.includes(secret) }).toEqual({ place, found: false });
    }
  });

  it("refuses the cookie to a sibling subdomain's page, reads and live streams included", async () => {
    const { cookie } = await signIn(hearthConsole.adminToken);
    for (const path of ['/v1/deployments', '/v1/deployments/events', '/v1/tokens']) {
      const refused = await call(path, { headers: { cookie, 'sec-fetch-site': 'same-site' } });
      expect({ path, status: refused.status, code: await errorCode(refused) }).toEqual({
        path,
        status: 403,
        code: ErrorCode.CsrfRefused,
      });
    }
    const own = await call('/v1/deployments', { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBe(200);
  });

  it('holds at most 8 live streams open for one token however many it asks for, and gives a place back when one closes', async () => {
    const clients: AbortController[] = [];
    const openStream = () => {
      const client = new AbortController();
      clients.push(client);
      return fetch(`${hearthConsole.url}/v1/deployments/events`, { headers: admin(), signal: client.signal });
    };
    try {
      for (let n = 0; n < 8; n++) expect((await openStream()).status).toBe(200);
      const refused = await openStream();
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe(ErrorCode.TooManyStreams);
      clients[0]!.abort();
      await until(
        async () => {
          const again = await openStream();
          if (again.status === 200) return true;
          await again.body?.cancel();
          return false;
        },
        { what: 'a place given back once one stream closed' },
      );
    } finally {
      for (const client of clients) client.abort();
    }
  });

  it('turns a flood of wrong tokens away after 10 a minute, so it cannot grow HATCH by a record a request', async () => {
    const attempt = (token: string) => {
      const { body, type } = json({ token });
      return call('/v1/session', { method: 'POST', headers: type, body });
    };
    const statuses: number[] = [];
    for (let n = 0; n < 40; n++) statuses.push((await attempt(`hth_guess-${n}`)).status);
    // Earlier cases of this file refused none from here; the throttle counts this address's refusals.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
    // Turned away before the token is looked at: the admin's own token too, from this address, for now.
    const good = await attempt(hearthConsole.adminToken);
    expect(good.status).toBe(429);
    expect(await errorCode(good)).toBe(ErrorCode.SignInThrottled);
    // Ten refusal events in all, once the relay has sent every one of them.
    const count = async (table: string) =>
      Number(
        (
          await queryDatabase<{ n: string }>(
            hearthConsole.db.name,
            `SELECT count(*) AS n FROM ${table} WHERE subject = 'hatch.console.session.refuse'`,
          )
        )[0]!.n,
      );
    await until(async () => (await count('outbox')) === 0 && (await count('audit_journal')) === 10, {
      what: 'ten refusal events sent, and no more',
    });
  });
});
