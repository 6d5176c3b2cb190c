import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { endCrashCase, requestDeployment, startCrashStack, type CrashStack } from '@hearth/testkit';

describe('crash: the console killed (SIGKILL) during creates, then started again', () => {
  let stack: CrashStack;

  beforeAll(async () => {
    stack = await startCrashStack();
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('ends every deployment asked for ready once the unanswered are asked again, with nothing orphaned', async () => {
    const slugs = Array.from({ length: 8 }, () => stack.newSlug());
    // All asked for at once; the console dies as the first is taken, the others in flight or not yet sent.
    const requests = slugs.map((slug) => requestDeployment(stack, slug));
    await Promise.race(requests);
    const killedAt = Date.now();
    await stack.console.process.kill('SIGKILL');
    const answers = await Promise.all(requests);
    await stack.console.restart();

    // An operator asks again for what went unanswered: taken now, or taken already before the kill.
    const again = [];
    for (const [i, slug] of slugs.entries()) {
      if (answers[i] === 'unanswered') again.push(await requestDeployment(stack, slug));
    }
    expect(again.filter((answer) => answer === 'unanswered')).toEqual([]);
    const first = await stack.until(slugs[0]!, ['ready', 'failed'], 90_000);

    const { deployments } = await endCrashCase(stack, 'the console killed during creates', {
      slugs,
      extra: {
        answers: Object.fromEntries(
          ['accepted', 'exists', 'unanswered'].map((a) => [a, answers.filter((x) => x === a).length]),
        ),
        askedAgain: again,
        firstReadyAfterKillMs: Date.now() - killedAt,
      },
    });
    expect(first.last_status).toBe('ready');
    expect(deployments.ready.sort()).toEqual([...slugs].sort());
  }, 240_000);
});
