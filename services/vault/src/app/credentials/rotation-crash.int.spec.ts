import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  generatePrincipalKeys,
  generateSealKeys,
  VaultClient,
  type CredentialWork,
} from '@hearth/contracts';
import {
  queryDatabase,
  startNats,
  startServiceProcess,
  startVaultProcess,
  until,
  type RunningService,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';

const DRIVER = 'driver-localdocker';
const path = 'hearth/acme/db';

/**
 * The vault killed (SIGKILL, by its failpoints) right after a rotation's request committed and right
 * before a report's promotion: restarted, the pending value and the driver's work are still there, and
 * the next report promotes the very value the sidecar was given.
 */
describe('a rotation across vault crashes', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let vault: RunningVault;
  let restarted: RunningService | undefined;
  let driver: VaultClient;
  let root: VaultClient;

  beforeAll(async () => {
    await cryptoReady();
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await restarted?.stop();
    await vault?.stop();
    await nc?.close();
    await nats?.stop();
  });

  const pendingRow = async () =>
    (
      await queryDatabase<{ current: number; pending: number | null; open: number }>(
        vault.db.name,
        `SELECT s.current_version AS current, s.pending_version AS pending,
                (SELECT count(*)::int FROM credential_work w WHERE w.path = s.path AND w.done_at IS NULL) AS open
         FROM secrets s WHERE s.path = $1`,
        [path],
      )
    )[0];

  it('completes the pending rotation once the vault is back', async () => {
    const driverKeys = generatePrincipalKeys();
    const rootKeys = generatePrincipalKeys();
    const seal = generateSealKeys();
    const settings = {
      VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
      VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
      VAULT_SEAL_KEY: seal.secretKey,
      VAULT_DRIVER_PRINCIPAL: DRIVER,
      VAULT_DRIVER_PUBLIC_KEY: driverKeys.publicKey,
      VAULT_CREDENTIAL_WORK_CLAIM_SECONDS: '1',
    };
    vault = await startVaultProcess(nats, {
      ...settings,
      HEARTH_FAILPOINTS: 'vault.rotation.after-request,vault.rotation.before-promote',
    });
    const options = { vaultSealKey: seal.publicKey, timeoutMs: 3_000 };
    driver = new VaultClient(nc, DRIVER, driverKeys, options);
    root = new VaultClient(nc, 'root', rootKeys, options);
    const values = { host: 'acme-db', port: '5432', username: 'app', password: 'first-password', database: 'app' };
    await driver.write({ path, provider: 'AUTO_MANAGED', type: 'postgres', values });

    // Killed after the request's commit: no reply, but the request, the pending value and the work stand.
    await expect(root.rotateCredential(path)).rejects.toThrow();
    expect(await vault.process.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await pendingRow()).toEqual({ current: 1, pending: 2, open: 1 });

    await vault.restart();
    const [work] = await driver.claimCredentialWork();
    const given = driver.openCredentialWork(work!).pending;
    // Killed before the promotion (the driver applied the value): nothing of the report stays.
    await expect(
      driver.reportCredentialWork({ id: work!.id, path, version: 2, outcome: 'applied', message: 'login ok' }),
    ).rejects.toThrow();
    expect(await vault.process.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await pendingRow()).toEqual({ current: 1, pending: 2, open: 1 });

    // Back without failpoints: the claim times out, the work is handed out again with the same value, and promoted.
    restarted = await startServiceProcess('vault', nats, { ...settings, VAULT_DATABASE: vault.db.name });
    let again: CredentialWork | undefined;
    await until(async () => (again = (await driver.claimCredentialWork())[0]) !== undefined, {
      timeoutMs: 15_000,
      what: 'the work handed out again',
    });
    expect(again!.id).toBe(work!.id);
    expect(driver.openCredentialWork(again!).pending).toEqual(given);
    expect(
      await driver.reportCredentialWork({ id: again!.id, path, version: 2, outcome: 'applied', message: 'login ok' }),
    ).toEqual({
      path,
      version: 2,
    });
    expect(await pendingRow()).toEqual({ current: 2, pending: null, open: 0 });
    expect((await root.versions(path)).map((v) => [v.version, v.destroyed])).toEqual([
      [1, true],
      [2, false],
    ]);
  });
});
