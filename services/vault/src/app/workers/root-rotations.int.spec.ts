import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineRootPath } from '@hearth/contracts';
import { queryDatabase, startPostgresCluster, until, type PostgresCluster, configureEngineOn } from '@hearth/testkit';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { ENGINE_MACHINERY } from '../engines/engine-credentials.js';

/** The vault's own rotation rounds: scheduled rotations start, and rotations left in flight end, without anyone asking. */
describe('root rotations on their schedule', () => {
  let h: VaultHarness;
  const clusters: PostgresCluster[] = [];
  beforeAll(async () => {
    h = await startVaultHarness({ VAULT_ROTATION_CHECK_SECONDS: '0.5' });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all(clusters.map((c) => c.stop()));
  });

  async function engineOnNewCluster(name: string, rotationDays?: number): Promise<PostgresCluster> {
    const cluster = await startPostgresCluster();
    clusters.push(cluster);
    await configureEngineOn(h.root, cluster, name, rotationDays ? { rotation_days: rotationDays } : {});
    return cluster;
  }

  /** Root version `version` of `name` is what the cluster takes now. */
  async function worksWith(name: string, cluster: PostgresCluster, version: number) {
    const login = await h.vault.dynamicCredentials.engineCredentials.read(engineRootPath(name), version);
    expect(await cluster.logsIn(login.username, login.password)).toBe(true);
  }

  it('rotates an engine once its rotation_days have passed', async () => {
    const cluster = await engineOnNewCluster('weekly', 7);
    // Configured eight days ago, as far as the schedule can tell.
    await queryDatabase(
      h.db.name,
      "UPDATE lease_engines SET updated_at = now() - interval '8 days' WHERE name = 'weekly'",
    );
    await until(async () => (await h.root.engine('weekly')).root_version === 2, { what: 'the scheduled rotation' });
    await worksWith('weekly', cluster, 2);
    expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(false);
  });

  it('settles a rotation a stopped vault left before Postgres took it: abandoned, the engine working as before', async () => {
    const cluster = await engineOnNewCluster('interrupted');
    // The first step a request runs, as a vault killed right after it leaves it.
    await h.vault.useCases.rotateRoot.begin('interrupted', ENGINE_MACHINERY);
    await until(async () => !(await h.root.engine('interrupted')).rotation_pending, { what: 'the rotation settled' });
    expect((await h.root.engine('interrupted')).root_version).toBe(1);
    await worksWith('interrupted', cluster, 1);
    expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(true);
  });
});
