import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineRootPath } from '@hearth/contracts';
import {
  eventMark,
  eventsSince,
  freePort,
  queryDatabase,
  startPostgresCluster,
  type PostgresCluster,
  configureEngineOn,
} from '@hearth/testkit';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { ENGINE_MACHINERY } from './engine-credentials.js';

describe('rotating an engine root', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await startVaultHarness({ LOG_LEVEL: 'debug' });
  });
  afterAll(() => h?.close());

  /** A cluster of its own for each test: a rotation changes its superuser's password. */
  const clusters: PostgresCluster[] = [];
  afterAll(() => Promise.all(clusters.map((c) => c.stop())));
  async function engineOnNewCluster(name: string): Promise<PostgresCluster> {
    const cluster = await startPostgresCluster();
    clusters.push(cluster);
    await configureEngineOn(h.root, cluster, name);
    return cluster;
  }

  const rotations = (since: bigint, engine: string) =>
    eventsSince(h.db.name, since, { type: 'EngineRootRotatedV1' }).then((events) =>
      events.filter((e) => e.data.engine === engine).map((e) => e.data.step),
    );

  /** The engine works with the root version it names: that version logs in, and the vault reaches the database with it. */
  async function expectWorking(name: string, cluster: PostgresCluster) {
    const engine = await h.root.engine(name);
    expect(engine.rotation_pending).toBe(false);
    const login = await h.vault.dynamicCredentials.engineCredentials.read(engineRootPath(name), engine.root_version);
    expect(await cluster.logsIn(login.username, login.password)).toBe(true);
    expect(await h.root.engineHealth(name)).toMatchObject({
      reachable: true,
      root_login: true,
      may_create_roles: true,
    });
    return { engine, login };
  }

  it('rotates: the old password fails, the new version logs in, three steps on the record', async () => {
    const cluster = await engineOnNewCluster('pg-a');
    const from = await eventMark(h.db.name);
    const rotated = await h.root.rotateRoot('pg-a');
    expect(rotated).toMatchObject({ root_version: 2, rotation_pending: false, last_rotated_at: expect.any(String) });
    expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(false);
    const { login } = await expectWorking('pg-a', cluster);
    expect(login.password).not.toBe(cluster.password);
    expect(await rotations(from, 'pg-a')).toEqual(['pending', 'applied', 'promoted']);
    const events = await eventsSince(h.db.name, from);
    expect(events.find((e) => e.type === 'SecretVersionWrittenV1')?.data).toMatchObject({
      path: engineRootPath('pg-a'),
      version: 2,
      created_by: ENGINE_MACHINERY,
    });
    const recorded = JSON.stringify(events);
    expect(recorded).not.toContain(login.password);
    expect(cluster.serverLog()).not.toContain(login.password);
    expect(h.logs.length).toBeGreaterThan(0);
    expect(h.logs.join('\n')).not.toContain(login.password);
  });

  it('refuses a second rotation while one is in flight', async () => {
    await engineOnNewCluster('pg-b');
    await h.vault.useCases.rotateRoot.begin('pg-b', 'root');
    await expect(h.root.rotateRoot('pg-b')).rejects.toMatchObject({ code: 'VAULT.ROTATION_IN_PROGRESS' });
    expect(await h.vault.useCases.rotateRoot.recoverOne('pg-b')).toBe('abandoned');
  });

  it('rotates the engines whose schedule is due, and no other', async () => {
    const cluster = await engineOnNewCluster('scheduled');
    await configureEngineOn(h.root, cluster, 'scheduled', { rotation_days: 1 });
    await engineOnNewCluster('unscheduled');
    expect(await h.vault.useCases.rotateRoot.rotateDue()).toEqual([]);
    // configured two days ago, as far as the schedule can tell
    await queryDatabase(
      h.db.name,
      "UPDATE lease_engines SET updated_at = updated_at - interval '2 days' WHERE name IN ('scheduled', 'unscheduled')",
    );
    expect(await h.vault.useCases.rotateRoot.rotateDue()).toEqual(['scheduled']);
    expect((await expectWorking('scheduled', cluster)).engine.root_version).toBe(3);
    expect(await h.vault.useCases.rotateRoot.rotateDue()).toEqual([]);
  });

  describe('recovery after a vault killed between steps', () => {
    const rotate = () => h.vault.useCases.rotateRoot;

    it('abandons a rotation Postgres never heard of', async () => {
      const cluster = await engineOnNewCluster('crash-pending');
      const from = await eventMark(h.db.name);
      await rotate().begin('crash-pending', 'root');
      expect((await rotate().recover()).get('crash-pending')).toBe('abandoned');
      const { engine } = await expectWorking('crash-pending', cluster);
      expect(engine.root_version).toBe(1);
      expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(true);
      expect(await rotations(from, 'crash-pending')).toEqual(['pending', 'abandoned']);
    });

    it('promotes a rotation Postgres took before its step was recorded', async () => {
      const cluster = await engineOnNewCluster('crash-applying');
      await rotate().begin('crash-applying', 'root');
      await rotate().apply('crash-applying', 'root');
      // as if killed after Postgres took the verifier and before `applied` committed
      await queryDatabase(
        h.db.name,
        "UPDATE lease_engines SET rotation_step = 'pending' WHERE name = 'crash-applying'",
      );
      expect((await rotate().recover()).get('crash-applying')).toBe('promoted');
      const { engine } = await expectWorking('crash-applying', cluster);
      expect(engine.root_version).toBe(2);
      expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(false);
    });

    it('promotes an applied rotation', async () => {
      const cluster = await engineOnNewCluster('crash-applied');
      const from = await eventMark(h.db.name);
      await rotate().begin('crash-applied', 'root');
      await rotate().apply('crash-applied', 'root');
      expect((await h.root.engine('crash-applied')).rotation_pending).toBe(true);
      expect((await rotate().recover()).get('crash-applied')).toBe('promoted');
      expect((await expectWorking('crash-applied', cluster)).engine.root_version).toBe(2);
      expect(await rotations(from, 'crash-applied')).toEqual(['pending', 'applied', 'promoted']);
    });

    it('is what a vault starting again does first', async () => {
      const cluster = await engineOnNewCluster('crash-restart');
      await rotate().begin('crash-restart', 'root');
      await rotate().apply('crash-restart', 'root');
      await h.restart();
      const { engine } = await expectWorking('crash-restart', cluster);
      expect(engine.root_version).toBe(2);
      expect(await cluster.logsIn(cluster.user, cluster.password)).toBe(false);
    });

    it('leaves a rotation whose database cannot be reached for the next try', async () => {
      const cluster = await engineOnNewCluster('crash-down');
      await rotate().begin('crash-down', 'root');
      await rotate().apply('crash-down', 'root');
      // the database out of reach: the engine's address leads nowhere for a while
      const closed = await freePort();
      await queryDatabase(h.db.name, `UPDATE lease_engines SET port = ${closed} WHERE name = 'crash-down'`);
      expect((await rotate().recover()).get('crash-down')).toBe('waiting');
      expect((await h.root.engine('crash-down')).rotation_pending).toBe(true);
      await queryDatabase(h.db.name, `UPDATE lease_engines SET port = ${cluster.port} WHERE name = 'crash-down'`);
      expect((await rotate().recover()).get('crash-down')).toBe('promoted');
      expect((await expectWorking('crash-down', cluster)).engine.root_version).toBe(2);
    });
  });
});
