import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

describe('the console without a built web app', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ serve: true, env: { CONSOLE_WEB_ROOT: join(tmpdir(), 'hearth-web-never-built') } });
  });
  afterAll(() => h?.close());

  it('says to build it at /, and serves its API all the same', async () => {
    const page = await fetch(`${h.url}/`);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toContain('text/plain');
    expect(await page.text()).toContain('pnpm build');
    const api = await fetch(`${h.url}/v1/deployments`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(api.status).toBe(200);
  });
});
