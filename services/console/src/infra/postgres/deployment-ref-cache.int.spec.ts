import type { DeploymentRef } from '@hearth/contracts';
import { FastPath } from '@hearth/platform/postgres';
import { queryDatabase, until } from '@hearth/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ConsoleApp } from '../../console.app.js';
import { callers, deploymentRequest, startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';
import { DeploymentRefCache, EvictOnCommit } from './deployment-ref-cache.js';
import { DeploymentRefTable } from './deployment-ref-table.js';

/** Two consoles on one database: `h` writes, `replica` answers discovery from its own cache. */
describe('discovery cache across console replicas', () => {
  let h: ConsoleHarness;
  let replica: ConsoleApp;
  const discover = (slug: string) => replica.useCases.discoverDeployment.run(slug);
  const status = async (slug: string) => (await discover(slug))?.last_status ?? null;

  beforeAll(async () => {
    h = await startConsoleHarness();
    replica = await h.replica({ CONSOLE_DISCOVERY_CACHE_ENTRIES: '20' }, { discoveryRelistenMs: 2_000 });
  });
  afterAll(() => h?.close());

  const deploy = async (slug: string): Promise<DeploymentRef> => {
    await h.registerWorkspace(slug);
    const ref = await h.useCases.createDeployment.run(deploymentRequest(slug), callers.admin);
    await until(async () => (await status(slug)) === 'requested', {
      timeoutMs: 10_000,
      what: `${slug} discovered by the replica`,
    });
    return ref;
  };

  it('answers what another console committed, once its notification is in, and keeps answering it', async () => {
    await expect(discover('moves')).resolves.toBeNull(); // a miss, cached as one
    await deploy('moves');
    await h.recordAnswer('start', 'moves');
    await until(async () => (await status('moves')) === 'provisioning', {
      timeoutMs: 10_000,
      what: 'the change seen by the replica',
    });
    await h.recordAnswer('ready', 'moves');
    await until(async () => (await status('moves')) === 'ready', {
      timeoutMs: 10_000,
      what: 'the change seen by the replica',
    });
    for (let i = 0; i < 20; i++) await expect(status('moves')).resolves.toBe('ready');
  });

  it('stops answering a row deleted behind its back', async () => {
    await deploy('deleted');
    await queryDatabase(h.db.name, 'DELETE FROM deployment_refs WHERE workspace_slug = $1', ['deleted']);
    await until(async () => (await discover('deleted')) === null, {
      timeoutMs: 10_000,
      what: 'the deletion seen by the replica',
    });
    for (let i = 0; i < 20; i++) await expect(discover('deleted')).resolves.toBeNull();
  });

  it('serves from the table while its LISTEN connection is lost, and forgets what it held when it listens again', async () => {
    await deploy('outage');
    const listeners = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                       WHERE datname = $1 AND query = 'LISTEN deployment_refs_changed'`;
    await queryDatabase(h.db.name, listeners, [h.db.name]);
    await until(() => !replica.discoveryCache.listening, { intervalMs: 5, what: 'the replica noticing its loss' });

    await h.recordAnswer('start', 'outage'); // its notification reaches nobody in the replica
    await expect(status('outage')).resolves.toBe('provisioning');

    await until(() => replica.discoveryCache.listening, { timeoutMs: 10_000, what: 'the replica listening again' });
    await expect(status('outage')).resolves.toBe('provisioning');
    await h.recordAnswer('ready', 'outage');
    await until(async () => (await status('outage')) === 'ready', { timeoutMs: 10_000, what: 'changes heard again' });
  });

  it('holds no more than its bound under a flood of unknown slugs, answering each correctly', async () => {
    const known = await deploy('known');
    for (let i = 0; i < 200; i++) await expect(discover(`made-up-${i}`)).resolves.toBeNull();
    expect(replica.discoveryCache.cached).toBeLessThanOrEqual(20);
    await expect(discover('known')).resolves.toEqual(known);
  });

  it('answers a lookup overtaken by a change as it read it, but does not keep it', async () => {
    await deploy('overtaken');
    const fastPath = new FastPath(h.runtime.dataSource);
    const table = new DeploymentRefTable(h.runtime.dataSource, fastPath);
    let reads = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const heldFirstRead = {
      get: async (slug: string) => {
        const ref = await table.get(slug);
        if (++reads === 1) await held;
        return ref;
      },
    };
    const cache = new DeploymentRefCache(heldFirstRead, fastPath, h.runtime.logger, { entries: 10, relistenMs: 1_000 });
    await cache.listen();
    try {
      const overtaken = cache.get('overtaken');
      await until(() => reads === 1, { timeoutMs: 10_000, what: 'the first read' });
      await h.recordAnswer('start', 'overtaken');
      // Lookups join the one in flight until the change is heard; then one reads the table anew.
      await until(
        () => {
          void cache.get('overtaken');
          return reads >= 2;
        },
        { timeoutMs: 10_000, intervalMs: 5, what: 'the change heard' },
      );
      release();
      await expect(overtaken).resolves.toMatchObject({ last_status: 'requested' });
      await expect(cache.get('overtaken')).resolves.toMatchObject({ last_status: 'provisioning' });
    } finally {
      await cache.stop();
    }
  });

  it("reads its own commits at once, before the commit's notification is in", async () => {
    await deploy('own');
    const fastPath = new FastPath(h.runtime.dataSource);
    let deliver!: () => void;
    const notificationsHeld = new Promise<void>((resolve) => (deliver = resolve));
    // The real LISTEN connection, whose notifications reach the cache only once the test lets them.
    const slowListener = {
      connect: async () => {
        const client = await fastPath.connect();
        const on = client.on.bind(client);
        client.on = ((event: string, listener: (...args: unknown[]) => void) =>
          on(
            event as 'notification',
            event === 'notification'
              ? (...args: unknown[]) => void notificationsHeld.then(() => listener(...args))
              : listener,
          )) as typeof client.on;
        return client;
      },
    };
    const cache = new DeploymentRefCache(
      new DeploymentRefTable(h.runtime.dataSource, fastPath),
      slowListener,
      h.runtime.logger,
      { entries: 10, relistenMs: 1_000 },
    );
    await cache.listen();
    const stopEvicting = EvictOnCommit.of(h.runtime.dataSource).add(cache);
    try {
      await expect(cache.get('own')).resolves.toMatchObject({ last_status: 'requested' });
      await h.recordAnswer('start', 'own');
      await expect(cache.get('own')).resolves.toMatchObject({ last_status: 'provisioning' });
    } finally {
      stopEvicting();
      deliver();
      await cache.stop();
    }
  });
});
