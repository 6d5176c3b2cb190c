import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createDeployments,
  endCrashCase,
  queryDatabase,
  startCrashStack,
  startReadLoad,
  until,
  vaultPath,
  type CrashStack,
} from '@hearth/testkit';

describe('crash: hatch killed (SIGKILL) while it ingests, twice, then started again', () => {
  let stack: CrashStack;
  const recorded = async () =>
    (await queryDatabase<{ n: number }>(stack.hatch.db.name, 'SELECT count(*)::int AS n FROM audit_log'))[0]!.n;

  beforeAll(async () => {
    stack = await startCrashStack();
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 240_000);

  it('loses and doubles nothing: every committed read is in the chain once, and the chain verifies', async () => {
    const slugs = await createDeployments(stack, 6);
    for (const slug of slugs) await stack.until(slug, ['ready'], 90_000);
    const load = startReadLoad(stack, slugs.map(vaultPath));
    await until(() => load.returned() >= 30, { what: 'reads under way' });

    // Once while it keeps up with the reads, once while it works through what came while it was down.
    await stack.hatch.process.kill('SIGKILL');
    await until(() => load.returned() >= 60, { what: 'reads while hatch is down' });
    const before = await recorded();
    await stack.hatch.restart();
    await until(async () => (await recorded()) > before, { intervalMs: 10, what: 'hatch ingesting again' });
    await stack.hatch.process.kill('SIGKILL');
    await stack.hatch.restart();
    await until(() => load.returned() >= 90, { what: 'reads after the restarts' });

    const { refusals } = await endCrashCase(stack, 'hatch killed during ingest', { load, slugs });
    // The vault never waits on hatch: no read was refused.
    expect(refusals).toEqual({});
  }, 240_000);
});
