import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createDeployments,
  docker,
  endCrashCase,
  queryDatabase,
  startCrashStack,
  startReadLoad,
  until,
  vaultPath,
  type CrashStack,
} from '@hearth/testkit';

/** Deployments present when everything stops: each a network of its own, a /26 of the driver's pool. */
const DEPLOYMENTS = 50;

describe('crash: the whole stack killed (SIGKILL) with its sidecars stopped, then started again', () => {
  let stack: CrashStack;
  const projection = () =>
    queryDatabase(stack.console.db.name, 'SELECT * FROM deployment_refs ORDER BY workspace_slug');

  beforeAll(async () => {
    stack = await startCrashStack();
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('comes back with the projection identical, every sidecar running again and nothing orphaned', async () => {
    const slugs = await createDeployments(stack, DEPLOYMENTS);
    for (const slug of slugs) await stack.until(slug, ['ready'], 120_000);
    const before = await projection();
    const load = startReadLoad(stack, slugs.map(vaultPath));
    // Past its warm-up, which reads each of the 50 paths once before the workers start.
    await until(() => load.returned() >= DEPLOYMENTS + 30, { what: 'reads under way' });

    // As a host going down: every process at once, the sidecars with them, then the bus.
    const killedAt = Date.now();
    await Promise.all(
      [stack.driver, stack.hatch.process, stack.console.process, stack.vault.process].map((p) => p.kill('SIGKILL')),
    );
    const sidecars = slugs.map((slug) => `hearth-${slug}-tool`);
    expect((await docker(['kill', ...sidecars])).status).toBe(0);
    await stack.nats.restart();
    // One after another, as a host's boot would start them: four Node processes starting at once on a
    // busy machine take longer each than a service may take to start.
    for (const service of [stack.vault, stack.console, stack.hatch]) await service.restart();
    await stack.startDriver();
    const running = async () =>
      (
        await docker(['ps', '-q', '--filter', `label=hearth.instance=${stack.instance}`, '--filter', 'status=running'])
      ).stdout
        .split('\n')
        .filter(Boolean).length;
    await until(async () => (await running()) === DEPLOYMENTS, { timeoutMs: 120_000, what: 'every sidecar running' });
    const sidecarsBackMs = Date.now() - killedAt;
    const readsBack = await load.firstValueAfter(killedAt);

    const { deployments } = await endCrashCase(stack, `the whole stack restarted with ${DEPLOYMENTS} deployments`, {
      load,
      slugs,
      extra: { readsBackAfterKillMs: readsBack - killedAt, sidecarsBackAfterKillMs: sidecarsBackMs },
    });
    expect(deployments.ready).toEqual(slugs);
    expect(await projection()).toEqual(before);
  }, 600_000);
});
