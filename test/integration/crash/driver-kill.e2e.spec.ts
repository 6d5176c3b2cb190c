import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDeployments, docker, endCrashCase, startCrashStack, vaultPath, type CrashStack } from '@hearth/testkit';

describe('crash: the driver killed between creating a container and its readiness, then started again', () => {
  let stack: CrashStack;

  beforeAll(async () => {
    // Its failpoint kills it right after it creates the first container, before its files and start.
    stack = await startCrashStack({ driverEnv: { HEARTH_FAILPOINTS: 'driver.provision.after-create' } });
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('ends every queued deployment ready, each sidecar holding the credential the vault holds, nothing orphaned', async () => {
    const slugs = await createDeployments(stack, 6);
    await stack.driver.ended;
    const killedAt = Date.now();
    await stack.startDriver({ HEARTH_FAILPOINTS: '' });
    const first = await stack.until(slugs[0]!, ['ready', 'failed'], 90_000);
    const firstReadyMs = Date.now() - killedAt;

    const { deployments } = await endCrashCase(stack, 'the driver killed between create and ready', {
      slugs,
      extra: { firstReadyAfterKillMs: firstReadyMs },
    });
    expect(first.last_status).toBe('ready');
    expect(deployments.ready).toEqual(slugs);
    // The container it died on was finished or made again: either way it holds its credential.
    for (const slug of slugs) {
      const file = await docker(['exec', `hearth-${slug}-tool`, 'cat', '/run/secrets/TOOL_TOKEN']);
      expect(file.stdout).toBe((await stack.reader.read(vaultPath(slug))).values.TOOL_TOKEN);
    }
  }, 240_000);
});
