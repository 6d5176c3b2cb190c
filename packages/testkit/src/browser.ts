import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Playwright's types, for a test that drives a page (playwright-core is the testkit's, not the test's). */
export type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/**
 * Debian's Chromium, which scripts/setup.sh --tests installs (HEARTH_CHROMIUM names another): the
 * browser tests drive it with playwright-core, which never downloads a browser of its own.
 */
export const CHROMIUM = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';

/** A headless Chromium of the test's own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** What the page was sent: a response's text (of a text-ish type), or one Server-Sent Event's data. */
export interface Received {
  url: string;
  status: number;
  body: string;
}

/** A page on the console in a browser context of its own (its own cookies and storage), recorded. */
export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Every request the page made: method, URL and Playwright's resource type (`document` for a page load), in order. */
  readonly requests: { method: string; url: string; type: string }[];
  /** Every text-ish response body and every SSE message the page received so far. */
  readonly received: Received[];
  /** Waits for the bodies of the responses seen so far to be recorded (a stream still open is skipped). */
  settled(): Promise<void>;
  /** The page's localStorage, sessionStorage, document.cookie, IndexedDB and Cache Storage names, as text. */
  storage(): Promise<string>;
  /** axe-core run on the page as it is now: the violations of impact serious or critical. */
  axe(): Promise<AxeViolation[]>;
  close(): Promise<void>;
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  /** The CSS selectors of the offending nodes. */
  targets: string[];
}

const TEXT = /json|text|javascript|html|xml|svg|event-stream/;

/**
 * Opens `url` (a console page) in a new context of `browser` and records what it is sent: each
 * response's body by Playwright (a Server-Sent Events stream's once it has ended) and each SSE message
 * by the DevTools protocol as it arrives, so a test can search all of it, and the storage, for canaries.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const requests: ConsolePage['requests'] = [];
  const received: Received[] = [];
  const pending = new Set<Promise<void>>();
  page.on('request', (request) =>
    requests.push({ method: request.method(), url: request.url(), type: request.resourceType() }),
  );
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (type !== '' && !TEXT.test(type)) return;
    const recorded = response.text().then(
      (body) => void received.push({ url: response.url(), status: response.status(), body }),
      () => undefined, // a redirect has no body; a page closed before the body came has none to record
    );
    if (!type.includes('event-stream')) {
      pending.add(recorded);
      void recorded.finally(() => pending.delete(recorded));
    }
  });
  const devtools = await context.newCDPSession(page);
  const streams = new Map<string, string>();
  devtools.on('Network.requestWillBeSent', (event) => void streams.set(event.requestId, event.request.url));
  devtools.on('Network.eventSourceMessageReceived', (event) =>
    received.push({ url: streams.get(event.requestId) ?? '(event source)', status: 200, body: event.data }),
  );
  await devtools.send('Network.enable');
  await page.goto(url);
  return {
    context,
    page,
    requests,
    received,
    settled: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    storage: () => page.evaluate<string>(STORAGE),
    axe: async () => {
      // Evaluated through the DevTools protocol, which the console's CSP (no inline script) does not govern.
      await page.evaluate(axeSource());
      const violations = await page.evaluate<RawViolation[]>('axe.run(document).then((r) => r.violations)');
      return violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
    },
    close: () => context.close(),
  };
}

// Strings, not functions: they run in the page, and the test's TypeScript knows no DOM.
const STORAGE = `(async () => JSON.stringify({
  localStorage: { ...localStorage },
  sessionStorage: { ...sessionStorage },
  cookie: document.cookie,
  indexedDB: (await indexedDB.databases()).map((db) => db.name),
  caches: await caches.keys().catch(() => []),
}))()`;

interface RawViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: string[] }[];
}

let axeScript: string | undefined;
function axeSource(): string {
  return (axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
}
