import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineRootPath } from '@hearth/contracts';
import {
  eventMark,
  eventsSince,
  freePort,
  startPostgresCluster,
  type PostgresCluster,
  configureEngineOn,
} from '@hearth/testkit';
import { asSuperuser, liveLeaseOn } from '../../test/engine-fixtures.js';
import { refusal, startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import { ENGINE_MACHINERY } from './engine-credentials.js';

describe('configuring an engine', () => {
  let h: VaultHarness;
  let cluster: PostgresCluster;
  beforeAll(async () => {
    [h, cluster] = await Promise.all([startVaultHarness({ LOG_LEVEL: 'debug' }), startPostgresCluster()]);
  });
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  /** Configures `name` and expects it refused as invalid, saying `reason`, with no password anywhere. */
  async function expectRefused(name: string, configure: () => Promise<unknown>, reason: string, passwords: string[]) {
    const from = await eventMark(h.db.name);
    const error = (await configure().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'VAULT.ENGINE_INVALID_CONFIG', message: expect.stringContaining(reason) });
    const events = JSON.stringify(await eventsSince(h.db.name, from));
    expect(events).toContain('VAULT.ENGINE_INVALID_CONFIG');
    expect(h.logs.length).toBeGreaterThan(0);
    for (const password of passwords) {
      expect(error.message).not.toContain(password);
      expect(events).not.toContain(password);
      expect(h.logs.join('\n')).not.toContain(password);
    }
    await expect(h.root.engine(name)).rejects.toMatchObject({ code: 'VAULT.ENGINE_NOT_FOUND' });
  }

  it('saves an engine whose root logs in and may create roles, pinned to the version that worked', async () => {
    const from = await eventMark(h.db.name);
    const info = await configureEngineOn(h.root, cluster, 'good', { workspace: 'acme', rotation_days: 30 });
    expect(info).toMatchObject({
      name: 'good',
      root_path: engineRootPath('good'),
      root_version: 1,
      rotation_pending: false,
      live_leases: 0,
      workspace: 'acme',
    });
    const events = await eventsSince(h.db.name, from);
    expect(events.find((e) => e.type === 'EngineConfiguredV1')?.data).toMatchObject({
      path: 'db/engines/good',
      engine: 'good',
      workspace_slug: 'acme',
      by: 'root',
      created: true,
      port: cluster.port,
    });
    // the machinery's read of the root credential is on the record, under its own name
    expect(events.filter((e) => e.type === 'SecretReadV1').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ actor: ENGINE_MACHINERY, path: engineRootPath('good'), version: 1, outcome: 'OK' }),
    );
    expect(JSON.stringify(events)).not.toContain(cluster.password);
    expect((await configureEngineOn(h.root, cluster, 'good')).root_version).toBe(2);
  });

  it('refuses a root password the server rejects', async () => {
    const wrong = 'not-the-password-0123456789';
    await expectRefused(
      'wrong-password',
      () =>
        configureEngineOn(h.root, cluster, 'wrong-password', { login: { username: cluster.user, password: wrong } }),
      'root login refused',
      [wrong, cluster.password],
    );
  });

  it('refuses a port nobody listens on, naming host and port', async () => {
    const port = await freePort();
    await expectRefused(
      'closed',
      () => configureEngineOn(h.root, cluster, 'closed', { port }),
      `unreachable at 127.0.0.1:${port}`,
      [cluster.password],
    );
  });

  it('refuses a root that may not create roles', async () => {
    const weak = 'weak-password-0123456789';
    await asSuperuser(cluster, `CREATE ROLE weak LOGIN PASSWORD '${weak}'`);
    await expectRefused(
      'weak',
      () => configureEngineOn(h.root, cluster, 'weak', { login: { username: 'weak', password: weak } }),
      'weak may not create roles',
      [weak],
    );
  });

  it('refuses a root_path holding no credential', async () => {
    await expectRefused(
      'nothing',
      () =>
        h.root.configureEngine({
          name: 'nothing',
          host: cluster.host,
          port: cluster.port,
          database: 'postgres',
          sslmode: 'disable',
          root_path: engineRootPath('nothing'),
        }),
      `no root credential to read at ${engineRootPath('nothing')}`,
      [],
    );
  });

  it("refuses a root_path below another engine's: the probe would carry that credential elsewhere", async () => {
    await configureEngineOn(h.root, cluster, 'victim');
    await expectRefused(
      'thief',
      async () =>
        h.root.configureEngine({
          name: 'thief',
          host: cluster.host,
          port: await freePort(),
          database: 'postgres',
          sslmode: 'disable',
          root_path: engineRootPath('victim'),
        }),
      "root_path: an engine's root credential lives below infra/postgres/<engine>/",
      [cluster.password],
    );
  });

  it('refuses to move an engine to another database while its leases live there', async () => {
    await configureEngineOn(h.root, cluster, 'leased');
    await liveLeaseOn(h, 'leased', 'b'.repeat(24));
    await expect(configureEngineOn(h.root, cluster, 'leased', { database: 'template1' })).rejects.toMatchObject({
      code: 'VAULT.ENGINE_IN_USE',
    });
    expect((await configureEngineOn(h.root, cluster, 'leased', { rotation_days: 7 })).rotation_days).toBe(7);
  });

  it('refuses to replace an engine while its root rotation is in flight', async () => {
    await configureEngineOn(h.root, cluster, 'rotating');
    await h.vault.useCases.rotateRoot.begin('rotating', 'root');
    await expect(configureEngineOn(h.root, cluster, 'rotating')).rejects.toMatchObject({
      code: 'VAULT.ROTATION_IN_PROGRESS',
    });
    expect(await h.vault.useCases.rotateRoot.recoverOne('rotating')).toBe('abandoned');
    expect((await configureEngineOn(h.root, cluster, 'rotating')).rotation_pending).toBe(false);
  });

  it('lets no principal read a root credential, root included, and records the refusal', async () => {
    await configureEngineOn(h.root, cluster, 'guarded');
    const from = await eventMark(h.db.name);
    await expect(h.root.read(engineRootPath('guarded'))).rejects.toMatchObject({ code: 'VAULT.ENGINE_CREDENTIAL' });
    expect(await h.refusalsSince(from)).toEqual([
      refusal('SecretReadV1', 'root', 'VAULT.ENGINE_CREDENTIAL', { path: engineRootPath('guarded') }),
    ]);
  });
});
