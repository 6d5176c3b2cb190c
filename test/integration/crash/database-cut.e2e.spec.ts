import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createDeployments,
  endCrashCase,
  pgEnv,
  startCrashStack,
  startReadLoad,
  startTcpProxy,
  until,
  vaultPath,
  type CrashStack,
  type TcpProxy,
} from '@hearth/testkit';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the vault's database is gone. */
const CUT_MS = 20_000;

describe("crash: the vault's database connections cut for 20 s under reads", () => {
  let proxy: TcpProxy;
  let stack: CrashStack;

  beforeAll(async () => {
    proxy = await startTcpProxy(pgEnv.PGPORT);
    stack = await startCrashStack({ vaultEnv: { PGPORT: String(proxy.port) } });
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
    await proxy?.stop();
  }, 240_000);

  it('refuses every read with a code meanwhile, never times out, never hands out a value without its record', async () => {
    const slugs = await createDeployments(stack, 6);
    for (const slug of slugs) await stack.until(slug, ['ready'], 90_000);
    const load = startReadLoad(stack, slugs.map(vaultPath));
    await until(() => load.returned() >= 30, { what: 'reads under way' });

    await proxy.cut();
    await sleep(CUT_MS); // the outage itself, not a wait for anything to happen
    await proxy.restore();
    const restoredAt = Date.now();
    const back = await load.firstValueAfter(restoredAt);
    await until(() => load.returned() >= 60, { what: 'reads after the outage' });

    const { refusals } = await endCrashCase(stack, "the vault's database cut for 20 s", {
      load,
      slugs,
      extra: { readsBackAfterRestoreMs: back - restoredAt },
    });
    // Every refusal carried a service's code: none timed out, none found the vault gone.
    expect(Object.keys(refusals).length).toBeGreaterThan(0);
    expect(Object.keys(refusals).filter((code) => !/^[A-Z]+\.[A-Z_]+$/.test(code))).toEqual([]);
  }, 240_000);
});
