import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createDeployments,
  endCrashCase,
  requestDeployment,
  startCrashStack,
  startReadLoad,
  until,
  vaultPath,
  type CrashStack,
} from '@hearth/testkit';

describe('crash: the whole NATS down for 10 s under reads and creates', () => {
  let stack: CrashStack;

  beforeAll(async () => {
    stack = await startCrashStack();
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('hands out no value without its record, and every deployment ends ready or failed with nothing orphaned', async () => {
    const readable = await createDeployments(stack, 3);
    for (const slug of readable) await stack.until(slug, ['ready'], 90_000);
    const load = startReadLoad(stack, readable.map(vaultPath));
    await until(() => load.returned() >= 30, { what: 'reads under way' });
    // Taken by the console just before NATS goes: their commands wait in its outbox, or in the stream.
    const queued = Array.from({ length: 3 }, () => stack.newSlug());
    for (const slug of queued) expect(await requestDeployment(stack, slug)).toBe('accepted');

    await stack.nats.restart(10_000);
    const backAt = Date.now();
    const readsBack = await load.firstValueAfter(backAt);
    for (const slug of queued) await stack.until(slug, ['ready', 'failed'], 120_000);
    const queuedSettledMs = Date.now() - backAt;

    const { deployments } = await endCrashCase(stack, 'NATS down for 10 s', {
      load,
      slugs: [...readable, ...queued],
      extra: { readsBackAfterNatsMs: readsBack - backAt, queuedSettledAfterNatsMs: queuedSettledMs },
    });
    expect(deployments.ready).toEqual(expect.arrayContaining(readable));
  }, 300_000);
});
