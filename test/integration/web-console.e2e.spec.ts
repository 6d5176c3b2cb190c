import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cryptoReady, DeploymentHistory } from '@hearth/contracts';
import {
  homeSecrets,
  launchChromium,
  openConsole,
  registerWorkspace,
  startConsoleProcess,
  startHearthUp,
  startNats,
  until,
  type AxeViolation,
  type Browser,
  type Locator,
  type Page,
  type ConsolePage,
  type HearthUp,
  type RunningConsole,
  type TestNats,
} from '@hearth/testkit';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

const SCREENSHOTS =
  process.env.HEARTH_SCREENSHOTS === '1' ? resolve(import.meta.dirname, '../../docs/screenshots') : null;
const hex = () => randomBytes(3).toString('hex');

/** The shell's navigation: each main page is one click away (a client-side route, never a reload). */
const go = async (page: Page, name: string) => {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
};

const signIn = async (web: ConsolePage, token: string) => {
  await web.page.getByLabel('Operator token').fill(token);
  await web.page.getByRole('button', { name: 'Sign in' }).click();
  await web.page.getByRole('button', { name: 'Sign out' }).waitFor();
};

/** A form field the UI contract names: a select gets the option, any other field the text. */
const setField = async (field: Locator, value: string) => {
  const tag = await field.evaluate((element: { tagName: string }) => element.tagName);
  if (tag === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
};

const pathOf = (url: string) => new URL(url).pathname;

/**
 * The web console in Chromium against Hearth as the quick start runs it (`hearth up` with the demo):
 * what an operator does in it, what an auditor may not, sessions that end when their token does, CSRF
 * refused, every main page without a serious accessibility violation, and no secret ever sent to the page.
 */
describe('the web console in a browser, on hearth up with its demo', () => {
  let up: HearthUp;
  let browser: Browser;
  let admin: ConsolePage;
  let adminToken: string;
  let url: string;
  let demo: string;
  /** Every storage dump taken, by whom and when: searched for canaries at the end. */
  const storage: Record<string, string> = {};
  /** Every context opened on the console: their recorded bodies are searched at the end. */
  const consoles: ConsolePage[] = [];
  const violations: Record<string, AxeViolation[]> = {};
  const bearer = async (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, ...init.headers } });
  const historyOf = async (slug: string) =>
    DeploymentHistory.parse(await (await bearer(`/v1/deployments/${slug}/history`)).json());
  /** The page as it is: its accessibility violations kept, and a screenshot when asked for. */
  const look = async (web: ConsolePage, name: string) => {
    violations[name] = await web.axe();
    if (SCREENSHOTS) await web.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };
  const open = async () => {
    const web = await openConsole(browser, url);
    consoles.push(web);
    return web;
  };

  beforeAll(async () => {
    if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
    [up, browser] = await Promise.all([startHearthUp(), launchChromium()]);
    expect(up.process.output.join('\n')).toContain('hearth: running');
    ({ consoleUrl: url, demoSlug: demo } = up);
    adminToken = await up.adminToken();
    admin = await open();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await up?.stop();
  });

  it('signs in with the admin token to a session cookie that is HttpOnly and SameSite=Strict; the demo is listed', async () => {
    const { page } = admin;
    await page.getByRole('textbox', { name: 'Operator token' }).waitFor();
    await look(admin, 'sign-in');
    await signIn(admin, adminToken);
    expect(page.url()).toBe(`${url}/deployments`);
    await page
      .getByText(/\badmin\b/)
      .first()
      .waitFor(); // the operator's role is shown
    const table = page.getByRole('table', { name: 'Deployments' });
    await table.getByRole('link', { name: demo, exact: true }).waitFor();

    const cookies = await admin.context.cookies(url);
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }))).toEqual([
      { name: 'hearth_session', httpOnly: true, sameSite: 'Strict', path: '/' },
    ]);
    storage['admin, signed in'] = await admin.storage();
    expect(storage['admin, signed in']).not.toContain('hearth_session'); // HttpOnly: not in document.cookie
  });

  it('creates a deployment through the form and shows it reach ready live, then its detail', async () => {
    const { page } = admin;
    const slug = `web-${hex()}`;
    await registerWorkspace(url, adminToken, slug, { team: 'web-team', org: 'web-org' });
    await page.getByRole('button', { name: 'New deployment' }).click();
    await setField(page.getByLabel('Workspace', { exact: true }), slug);
    await setField(page.getByLabel('Tier', { exact: true }), 'dev');
    if ((await page.getByLabel('Sidecar', { exact: true }).count()) === 0)
      await page.getByRole('button', { name: 'Add sidecar' }).click();
    await page.getByLabel('Sidecar', { exact: true }).first().selectOption({ label: 'PostgreSQL' });
    await setField(page.getByLabel('Image', { exact: true }).first(), 'hearth-test/postgres:15');
    const created = page.waitForResponse(
      (r) => pathOf(r.url()) === '/v1/deployments' && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    expect((await created).status()).toBe(201);

    // The app shows the new deployment (its detail, or its row); then the list, by the nav link: the
    // row's status changes with no reload and no polling.
    const row = page
      .getByRole('table', { name: 'Deployments' })
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: slug, exact: true }) });
    await page.getByRole('heading', { name: slug, exact: true }).or(row).waitFor();
    if (pathOf(page.url()) !== '/deployments') await go(page, 'Deployments');
    await row.waitFor();
    const documents = admin.requests.filter((r) => r.type === 'document').length;
    const lists = () => admin.requests.filter((r) => pathOf(r.url) === '/v1/deployments' && r.method === 'GET').length;
    const listsBefore = lists();
    const seenAt = Date.now();
    await row.getByRole('cell', { name: /^\W*ready\W*$/ }).waitFor({ timeout: 90_000 });
    console.log(`web console: ${slug} shown ready ${Date.now() - seenAt} ms after its row appeared`);
    expect({ documents: admin.requests.filter((r) => r.type === 'document').length, lists: lists() }).toEqual({
      documents,
      lists: listsBefore,
    });
    await look(admin, 'deployments');

    await row.getByRole('link', { name: slug, exact: true }).click();
    await page.getByRole('heading', { name: slug, exact: true }).waitFor();
    await page.getByText(`vault://hearth/${slug}`).waitFor();
    const history = page.getByRole('list', { name: 'History' });
    await history
      .getByText(/\bready\b/)
      .first()
      .waitFor();
    await expect(history.getByText(/\brequested\b/).count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole('button', { name: 'Restart' }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: 'Deprovision' }).count()).resolves.toBe(1);
    await look(admin, 'deployment-detail');
  });

  it('shows a secret read in Audit while Live is on, and says the chain is verified', async () => {
    const { page } = admin;
    await go(page, 'Audit');
    await page.getByRole('checkbox', { name: 'Live' }).check();
    await page
      .getByRole('status')
      .filter({ hasText: /Chain verified through #\d+/ })
      .waitFor();
    const reads = page
      .getByRole('table', { name: 'Audit records' })
      .getByRole('row')
      .filter({ hasText: `hearth/${demo}` })
      .filter({ hasText: 'secret.read' });
    const before = await reads.count();
    await cryptoReady();
    await (await up.vaultAs('demo')).read(`hearth/${demo}`);
    const readAt = Date.now();
    await until(async () => (await reads.count()) > before, { timeoutMs: 30_000, what: 'the read shown live' });
    console.log(`web console: the read's HATCH record shown live ${Date.now() - readAt} ms after the read`);
    await expect(reads.first().textContent()).resolves.toContain('demo');
    await look(admin, 'audit');
  });

  it("tests the demo's credential and shows the result", async () => {
    const { page } = admin;
    await go(page, 'Leases');
    await look(admin, 'leases');
    await go(page, 'Credentials');
    await look(admin, 'credentials');
    await page.goto(`${url}/credentials/hearth/${demo}`);
    const test = page.getByRole('button', { name: 'Test', exact: true });
    await test.waitFor();
    await look(admin, 'credential-detail');
    await test.click();
    const result = page.getByRole('status').filter({ hasText: /\b(OK|FAILED|TIMEOUT)\b/ });
    await result.waitFor({ timeout: 30_000 });
    console.log(`web console: credential test shown as "${await result.textContent()}"`);
    await expect(result.textContent()).resolves.toMatch(/\bOK\b/);
  });

  let auditor: ConsolePage;
  let auditorName: string;

  it('creates an auditor token shown once; its session sees no write control and is refused a write with 403', async () => {
    const { page } = admin;
    await go(page, 'Tokens');
    await look(admin, 'tokens');
    auditorName = `aud-${hex()}`;
    await setField(page.getByLabel('Name', { exact: true }), auditorName);
    await setField(page.getByLabel('Role', { exact: true }), 'auditor');
    const created = page.waitForResponse((r) => pathOf(r.url()) === '/v1/tokens' && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create token' }).click();
    const { token } = (await (await created).json()) as { token: string };
    const shown = page.getByRole('region', { name: 'New token' });
    await shown.waitFor();
    const values = await shown
      .locator('input, textarea')
      .evaluateAll((fields: { value: string }[]) => fields.map((f) => f.value));
    expect([await shown.textContent(), ...values].join('\n')).toContain(token);
    const rows = page.getByRole('table', { name: 'Tokens' }).getByRole('row');
    await rows.filter({ hasText: auditorName }).getByRole('button', { name: 'Revoke' }).waitFor();
    // The bootstrap admin comes from a setting: the console refuses to revoke it, so no button offers to.
    const bootstrap = rows.filter({ has: page.getByRole('rowheader', { name: 'bootstrap-admin', exact: true }) });
    await expect(bootstrap.count()).resolves.toBe(1);
    await expect(bootstrap.getByRole('button').count()).resolves.toBe(0);
    // Shown once: gone when the page is left and opened again.
    await go(page, 'Deployments');
    await go(page, 'Tokens');
    await expect(page.getByRole('region', { name: 'New token' }).count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(token);

    auditor = await open();
    await signIn(auditor, token);
    const a = auditor.page;
    await a
      .getByText(/\bauditor\b/)
      .first()
      .waitFor();
    await a.getByRole('table', { name: 'Deployments' }).getByRole('link', { name: demo, exact: true }).click();
    await a.getByRole('heading', { name: demo, exact: true }).waitFor();
    const writes = /^(New deployment|Restart|Deprovision|Create token|Revoke|Rotate|Renew|Test)$/;
    await expect(a.getByRole('button', { name: writes }).count()).resolves.toBe(0);
    await expect(a.getByRole('navigation').getByRole('link', { name: 'Tokens' }).count()).resolves.toBe(0);
    await go(a, 'Deployments');
    await expect(a.getByRole('button', { name: writes }).count()).resolves.toBe(0);

    const refused = await a.evaluate(async (slug) => {
      const session = (await (await fetch('/v1/session')).json()) as { csrf_token: string };
      const answer = await fetch(`/v1/deployments/${slug}/restart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
        body: '{}',
      });
      return { status: answer.status, body: await answer.text() };
    }, demo);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('AUTH.FORBIDDEN');
    storage['auditor, signed in'] = await auditor.storage();
  });

  it("ends a session when its token is revoked: the auditor's next action lands on sign-in", async () => {
    const { page } = admin;
    const row = page.getByRole('table', { name: 'Tokens' }).getByRole('row').filter({ hasText: auditorName });
    const revoked = page.waitForResponse(
      (r) => pathOf(r.url()) === `/v1/tokens/${auditorName}` && r.request().method() === 'DELETE',
    );
    await row.getByRole('button', { name: 'Revoke' }).click();
    // A revocation is asked again in a dialog.
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    expect((await revoked).status()).toBe(200);
    await row.waitFor({ state: 'detached' });

    // The next action (unless its live stream's re-check of the session was quicker): to sign-in.
    const signInBox = auditor.page.getByRole('textbox', { name: 'Operator token' });
    const action = auditor.page.getByRole('navigation').getByRole('link', { name: 'Audit', exact: true }).click();
    await Promise.race([action, signInBox.waitFor()]);
    action.catch(() => undefined);
    await signInBox.waitFor();
    await expect(auditor.page.evaluate(async () => (await fetch('/v1/session')).status)).resolves.toBe(401);
    storage['auditor, signed out by the revocation'] = await auditor.storage();
  });

  describe('CSRF', () => {
    let elsewhere: Server;
    let elsewhereUrl: string;
    beforeAll(async () => {
      // A page of another origin (another port: the same site, so SameSite alone would not stop it).
      elsewhere = createServer((request, response) => {
        const restart = `<form method="post" action="${url}/v1/deployments/${demo}/restart"><button>restart</button></form>`;
        const body = `{"slug":"csrf-${hex()}","tier":"dev","driver":"localdocker","sidecars":[{"name":"db","image":"hearth-test/postgres:15","env":{"A":"`;
        const create = `<form method="post" enctype="text/plain" action="${url}/v1/deployments"><input type="hidden" name='${body}' value='"}}]}'><button>create</button></form>`;
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end(`<!doctype html><html lang="en"><title>elsewhere</title>${restart}${create}</html>`);
      });
      await new Promise<void>((done) => elsewhere.listen(0, '127.0.0.1', done));
      elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}/`;
    });
    afterAll(() => new Promise((done) => elsewhere?.close(done)));

    it("refuses the page's own fetch without X-CSRF-Token", async () => {
      const before = (await historyOf(demo)).entries.length;
      const answer = await admin.page.evaluate(async (slug) => {
        const response = await fetch(`/v1/deployments/${slug}/restart`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        return { status: response.status, body: await response.text() };
      }, demo);
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('CONSOLE.CSRF_REFUSED');
      expect((await historyOf(demo)).entries.length).toBe(before);
    });

    it('a form POST from a page of another origin changes nothing', async () => {
      const slugs = async () =>
        ((await (await bearer('/v1/deployments?limit=500')).json()) as { items: { workspace_slug: string }[] }).items
          .map((r) => r.workspace_slug)
          .sort();
      const before = { history: (await historyOf(demo)).entries.length, deployments: await slugs() };
      const page = await admin.context.newPage(); // the admin's browser, with its session cookie
      for (const button of ['restart', 'create']) {
        await page.goto(elsewhereUrl);
        const posted = page.waitForResponse((r) => new URL(r.url()).origin === url && r.request().method() === 'POST');
        await page.getByRole('button', { name: button }).click();
        const answer = await posted;
        expect({
          button,
          status: answer.status(),
          refused: (await answer.text()).includes('CONSOLE.CSRF_REFUSED'),
        }).toEqual({ button, status: 403, refused: true });
      }
      await page.close();
      expect({ history: (await historyOf(demo)).entries.length, deployments: await slugs() }).toEqual(before);
    });
  });

  it('has no serious or critical accessibility violation on any main page', () => {
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((name) => [name, []])));
    const pages = ['sign-in', 'deployments', 'deployment-detail', 'audit', 'credentials', 'credential-detail'];
    expect(Object.keys(violations).sort()).toEqual([...pages, 'leases', 'tokens'].sort());
  });

  it("never sends the page the demo's password, the admin token or any key under HEARTH_HOME", async () => {
    await cryptoReady();
    const password = (await (await up.vaultAs('demo')).read(`hearth/${demo}`)).values.password!;
    storage['admin, at the end'] = await admin.storage();
    await Promise.all(consoles.map((c) => c.settled()));
    const received = consoles.flatMap((c) => c.received);
    // The search sees what was sent: the demo's pointer is in what the page got.
    expect(received.some((r) => r.body.includes(`vault://hearth/${demo}`))).toBe(true);
    expect(received.some((r) => r.url.endsWith('/v1/deployments/events'))).toBe(true);
    const places = [
      ...received.map((r) => ({ place: `${r.status} ${r.url}`, text: r.body })),
      ...Object.entries(storage).map(([who, text]) => ({ place: `storage (${who})`, text })),
    ];
    const canaries: Record<string, string> = {
      'the demo password': password,
      'the demo password (base64)': Buffer.from(password).toString('base64'),
      'the demo password (hex)': Buffer.from(password).toString('hex'),
      'the admin token': adminToken,
      ...(await homeSecrets(up.home)),
    };
    expect(Object.keys(canaries).length).toBeGreaterThan(10);
    const found = Object.entries(canaries).flatMap(([canary, value]) =>
      places.filter((p) => p.text.includes(value)).map((p) => `${canary} in ${p.place}`),
    );
    console.log(`web console: searched ${places.length} bodies and dumps for ${Object.keys(canaries).length} secrets`);
    expect(found).toEqual([]);
  });
});

/**
 * The Deployments page with 1,000 deployments: one list (paged by the API's limit, no call per row) and
 * one event stream; the render time is printed, never asserted. A console of its own with no driver, so
 * the deployments, created through its API, stay `requested`.
 */
describe('the Deployments page with 1,000 deployments', () => {
  const COUNT = 1000;
  let nats: TestNats;
  let hearth: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    nats = await startNats();
    [hearth, browser] = await Promise.all([startConsoleProcess(nats.url), launchChromium()]);
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${hearth.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hearth.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    };
    await registerWorkspace(hearth.url, hearth.adminToken, 'many-0000', { team: 'many', org: 'many' });
    const slugs = Array.from({ length: COUNT }, (_, i) => `many-${String(i).padStart(4, '0')}`);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < COUNT; i = next++) {
        if (i > 0) await post('/v1/workspaces', { slug: slugs[i], display_name: slugs[i], team: 'many' });
        await post('/v1/deployments', { slug: slugs[i], tier: 'dev', driver: 'localdocker', sidecars: [] });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await hearth?.stop();
    await nats?.stop();
  });

  it('renders them from one list and one event stream, with no call per row', async () => {
    const web = await openConsole(browser, hearth.url);
    await signIn(web, hearth.adminToken);
    const lastSlug = `many-${String(COUNT - 1).padStart(4, '0')}`;
    const lastOf = (page: Page) =>
      page.getByRole('table', { name: 'Deployments' }).getByRole('link', { name: lastSlug, exact: true });
    // The signed-in page has paged through them all. The fresh load is a tab of its own (the session's
    // cookie, its own requests): whatever the first tab still asks for is not counted with it.
    await lastOf(web.page).waitFor({ state: 'attached' });
    const page = await web.context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${pathOf(r.url())}${new URL(r.url()).search}`));
    await page.goto(`${hearth.url}/deployments`);
    const table = page.getByRole('table', { name: 'Deployments' });
    await table.getByRole('link', { name: 'many-0000', exact: true }).waitFor();
    const firstAt = await page.evaluate(() => performance.now());
    await lastOf(page).waitFor({ state: 'attached' });
    const allAt = await page.evaluate(() => performance.now());
    const rows = await table.getByRole('row').count();
    const calls = requests.filter((c) => / \/v1\//.test(c) && !c.startsWith('GET /v1/session'));
    console.log(
      `web console: ${COUNT} deployments: first row ${Math.round(firstAt)} ms, all ${Math.round(allAt)} ms after navigation start; ${rows} rows; API calls: ${calls.join(', ')}`,
    );
    const lists = calls.filter((c) => /^GET \/v1\/deployments(\?|$)/.test(c));
    expect(calls.filter((c) => !lists.includes(c))).toEqual(['GET /v1/deployments/events']);
    // One list: a page of all of them, or the API's pages of at most 500, each asked once.
    expect(lists.length).toBeLessThanOrEqual(COUNT / 500);
    expect(new Set(lists).size).toBe(lists.length);
    await web.close();
  });
});
