import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPostgresCluster, type PostgresCluster, configureEngineOn } from '@hearth/testkit';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

describe('engine get, list and health', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  beforeAll(async () => {
    [h, cluster] = await Promise.all([startVaultHarness(), startPostgresCluster()]);
    await configureEngineOn(h.root, cluster, 'reporting');
    await configureEngineOn(h.root, cluster, 'billing');
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  it('gets an engine, and lists only those the caller may list', async () => {
    expect(await h.root.engine('reporting')).toMatchObject({ name: 'reporting', port: cluster.port, root_version: 1 });
    expect((await h.root.engines()).map((e) => e.name)).toEqual(['billing', 'reporting']);
    const { client } = await h.principal('viewer', [
      { pattern: 'db/engines/*', capabilities: ['list'] },
      { pattern: 'db/engines/billing', capabilities: ['list'], effect: 'deny' },
    ]);
    expect((await client.engines()).map((e) => e.name)).toEqual(['reporting']);
    await expect(client.engine('billing')).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(h.root.engine('nowhere')).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  });

  it('answers health for a working engine and for one whose database is down', async () => {
    expect(await h.root.engineHealth('reporting')).toMatchObject({
      name: 'reporting',
      reachable: true,
      root_login: true,
      may_create_roles: true,
    });
    const doomed = await startPostgresCluster();
    await configureEngineOn(h.root, doomed, 'doomed');
    await doomed.stop();
    const health = await h.root.engineHealth('doomed');
    expect(health).toMatchObject({ name: 'doomed', reachable: false, root_login: false, may_create_roles: false });
    expect(health.message).toEqual(expect.stringContaining(String(doomed.port)));
    expect(health.message).not.toContain(doomed.password);
  });

  it("answers many gets, lists and health checks at once without taking the vault's connection pool from its reads", async () => {
    await h.root.write({ path: 'hearth/pool-check', values: { K: 'v' } });
    const { client } = await h.principal('health-watcher', [
      { pattern: 'db/engines/*', capabilities: ['list'] },
      { pattern: 'db/roles/*', capabilities: ['list'] },
    ]);
    const many = <T>(call: () => Promise<T>) => Promise.all(Array.from({ length: 30 }, call));
    const checks = await many(() => client.engineHealth('reporting'));
    expect(checks.every((health) => health.root_login)).toBe(true);
    expect((await many(() => client.engine('reporting'))).length).toBe(30);
    expect((await many(() => client.engines())).length).toBe(30);
    expect((await many(() => client.roles())).length).toBe(30);
    expect((await h.root.read('hearth/pool-check')).values).toEqual({ K: 'v' });
  });
});
