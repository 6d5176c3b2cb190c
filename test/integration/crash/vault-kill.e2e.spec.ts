import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createDeployments,
  endCrashCase,
  startCrashStack,
  startReadLoad,
  until,
  vaultPath,
  type CrashStack,
} from '@hearth/testkit';

describe('crash: the vault killed (SIGKILL) during signed reads, then started again', () => {
  let stack: CrashStack;

  beforeAll(async () => {
    stack = await startCrashStack();
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('hands out no value without one committed read and one HATCH record; reads come back, nothing stuck or orphaned', async () => {
    const slugs = await createDeployments(stack, 6);
    for (const slug of slugs) await stack.until(slug, ['ready'], 90_000);
    const load = startReadLoad(stack, slugs.map(vaultPath));
    await until(() => load.returned() >= 30, { what: 'reads under way' });

    const killedAt = Date.now();
    await stack.vault.process.kill('SIGKILL');
    await stack.vault.restart();
    const back = await load.firstValueAfter(killedAt);
    await until(() => load.returned() >= 60, { what: 'reads after the restart' });

    const { deployments } = await endCrashCase(stack, 'the vault killed during reads', {
      load,
      slugs,
      extra: { readsBackAfterKillMs: back - killedAt },
    });
    expect(deployments.ready).toEqual(slugs);
  }, 240_000);
});
