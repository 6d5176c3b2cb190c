import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const admin = { id: randomUUID(), name: 'test-admin', role: 'admin' as const, createdBy: 'test' };
const rows = (h: ConsoleHarness) =>
  h.runtime.dataSource.query<unknown[]>('SELECT * FROM deployment_refs ORDER BY workspace_slug');

describe('the deployment_refs projection', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(() => h?.close());

  it('is rebuilt from the events to identical rows', async () => {
    for (let n = 0; n < 30; n++) {
      await h.console.createDeployment.run(
        { slug: `ws-${n}`, tier: 'dev', driver: 'localdocker', sidecars: [] },
        admin,
      );
    }
    await h.console.operateDeployment.deprovision('ws-3', admin).catch(() => undefined); // illegal from requested: no event
    const before = await rows(h);
    expect(before).toHaveLength(30);

    await h.runtime.dataSource.query('DELETE FROM deployment_refs');
    expect(await rows(h)).toHaveLength(0);
    await h.console.rebuildProjection.run();

    expect(await rows(h)).toEqual(before);
  });
});
