import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentRef, generatePrincipalKeys, HearthError, VaultClient, type Status } from '@hearth/contracts';
import {
  docker,
  queryDatabase,
  registerWorkspace,
  runCli,
  startConsoleProcess,
  startDriverProcess,
  startHatchProcess,
  startNats,
  startVaultProcess,
  until,
  type RunningConsole,
  type RunningHatch,
  type RunningService,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import type { NatsConnection } from '@nats-io/transport-node';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX_IMAGE = 'hearth-test/busybox:1';
/** Reads answered before the kills, and again after them. */
const READS_EACH_SIDE = 200;
/** Callers reading at once: half in sessions, half signing every request. */
const READERS = 4;

/**
 * Two consoles, two vaults and two hatches on one database each and one NATS (Hearth's identities),
 * with the driver: under a steady load of audited reads and a few deployments, one process of each
 * service is killed with SIGKILL. The other answers on; afterwards every value returned has exactly
 * one read event in the vault and one record in the chain, the chain verifies, and every deployment
 * ends ready or failed.
 */
describe('replicas: two of each service, one of each killed under load', () => {
  const hatchKey = generateKeyPairSync('ed25519');
  const instance = `e2e-${randomBytes(4).toString('hex')}`;
  let keyDir: string;
  let nats: TestNats;
  let nc: NatsConnection;
  let hatch: RunningHatch;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  const replicas: RunningService[] = [];
  let driver: RunningService | undefined;
  let root: VaultClient;
  /** The HTTP edges of the console and hatch that are not killed. */
  let survivors: { console: string; hatch: string };

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'hearth-replicas-'));
    await writeFile(join(keyDir, 'hatch.pub'), hatchKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    nats = await startNats({ auth: true });
    nc = await nats.connect('admin');
    // One after the other: processes starting all at once on a small, busy machine outlast their ready wait.
    hatch = await startHatchProcess(nats, {
      HATCH_SIGNING_KEY: hatchKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      HATCH_CHECKPOINT_SECONDS: '1',
    });
    vault = await startVaultProcess(nats);
    // Its engine is the driver's: deployments are placed there and their commands addressed to it.
    hearthConsole = await startConsoleProcess(nats, { CONSOLE_ENGINES: instance });
    root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    const startDriver = async () => {
      const driverKeys = generatePrincipalKeys();
      await root.createPrincipal('driver-localdocker', driverKeys.publicKey);
      await root.grant('driver-localdocker', {
        pattern: 'hearth/*',
        capabilities: ['write', 'list', 'destroy', 'resolve'],
      });
      for (const mount of ['team', 'org'])
        await root.grant('driver-localdocker', { pattern: `${mount}/*`, capabilities: ['resolve'] });
      await writeFile(join(keyDir, 'driver.json'), JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), {
        mode: 0o600,
      });
      driver = await startDriverProcess(nats, {
        DRIVER_VAULT_KEY_FILE: join(keyDir, 'driver.json'),
        VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
        DRIVER_INSTANCE: instance,
        DRIVER_RECONCILE_SECONDS: '0',
      });
    };
    for (const service of [hatch, vault, hearthConsole]) replicas.push(await service.replica());
    survivors = { hatch: replicas[0]!.url!, console: replicas[2]!.url! };
    await startDriver();
  });
  afterAll(async () => {
    await driver?.stop();
    const containers = (await docker(['ps', '-aq', '--filter', `label=hearth.instance=${instance}`])).stdout;
    if (containers) await docker(['rm', '-fv', ...containers.split('\n')]);
    const networks = (await docker(['network', 'ls', '-q', '--filter', `label=hearth.instance=${instance}`])).stdout;
    if (networks) await docker(['network', 'rm', ...networks.split('\n')]);
    await nc?.close();
    for (const replica of replicas) await replica.stop();
    await hatch?.stop();
    await vault?.stop();
    await hearthConsole?.stop();
    await nats?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it('answers on through the kills; each value returned is one read event and one record, the chain verifies, every deployment settles', async () => {
    await root.write({ path: 'hearth/replicas', values: { TOKEN: 'replicated' } });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('replica-reader', readerKeys.publicKey);
    await root.grant('replica-reader', { pattern: 'hearth/replicas', capabilities: ['read'] });
    const callers = Array.from(
      { length: READERS },
      (_, i) => new VaultClient(nc, 'replica-reader', readerKeys, { sessions: i % 2 === 0, timeoutMs: 2_000 }),
    );

    const returned: Array<{ id: string; at: number; caller: number }> = [];
    const refused = new Map<string, number>();
    let loading = true;
    const load = callers.map(async (caller, index) => {
      while (loading) {
        try {
          const read = await caller.read('hearth/replicas');
          expect(read.values.TOKEN).toBe('replicated');
          returned.push({ id: read.read_event_id, at: Date.now(), caller: index });
        } catch (error) {
          const code = error instanceof HearthError ? error.code : String(error).slice(0, 60);
          refused.set(code, (refused.get(code) ?? 0) + 1);
        }
      }
    });

    const slugs: string[] = [];
    const create = async (consoleUrl: string) => {
      const slug = `e2e-${randomBytes(4).toString('hex')}`;
      slugs.push(slug);
      await registerWorkspace(consoleUrl, hearthConsole.adminToken, slug);
      const response = await fetch(`${consoleUrl}/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hearthConsole.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          slug,
          tier: 'dev',
          driver: 'localdocker',
          sidecars: [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'TOOL_TOKEN' }] }],
        }),
      });
      return response.status;
    };
    const recordsInChain = async () =>
      (await queryDatabase<{ n: number }>(hatch.db.name, 'SELECT count(*)::int AS n FROM audit_log'))[0]!.n;

    try {
      await until(() => returned.length >= READS_EACH_SIDE, { what: 'reads before the kills' });
      expect(await Promise.all([create(hearthConsole.url), create(survivors.console)])).toEqual([201, 201]);

      // Mid-load, with a create on its way to the console about to die: one process of each, SIGKILL.
      const inFlight = create(hearthConsole.url).catch(() => 'cut off');
      const chainBefore = await recordsInChain();
      const killedAt = Date.now();
      const answeredBefore = returned.length;
      await Promise.all([vault, hatch, hearthConsole].map((service) => service.process.kill('SIGKILL')));
      await inFlight;

      await until(async () => (await recordsInChain()) > chainBefore, { what: 'the other hatch appending' });
      const chainResumedMs = Date.now() - killedAt;
      expect(await create(survivors.console)).toBe(201);
      await until(() => returned.length >= answeredBefore + READS_EACH_SIDE, {
        timeoutMs: 30_000,
        what: 'reads answered by the other vault',
      });
      loading = false;
      await Promise.all(load);
      const longestWaitMs = Math.max(
        ...returned.filter((r) => r.at > killedAt).map((r, i, after) => r.at - (i === 0 ? killedAt : after[i - 1]!.at)),
      );
      process.stdout.write(
        `replicas: ${returned.length} values returned (${returned.length - answeredBefore} after the kills), ` +
          `refused ${JSON.stringify(Object.fromEntries(refused))}; longest wait for a read after the kills ` +
          `${longestWaitMs} ms; the chain grew again ${chainResumedMs} ms after hatch was killed\n`,
      );
      // Every caller reads on, in sessions too: whichever vault opened one, the other serves it.
      expect(new Set(returned.filter((r) => r.at > killedAt).map((r) => r.caller)).size).toBe(READERS);
      // A read in flight at the killed vault times out; nothing else fails.
      expect([...refused.keys()].filter((code) => !/timeout/i.test(code))).toEqual([]);
    } finally {
      loading = false;
      await Promise.all(load);
    }

    // Every value returned: one committed read event in the vault, one record in the chain.
    const ids = returned.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const [recorded] = await queryDatabase<{ events: number; distinct: number }>(
      vault.db.name,
      `SELECT count(*)::int AS events, count(DISTINCT event_id)::int AS distinct FROM events
       WHERE event_id = ANY($1::uuid[]) AND type = 'SecretReadV1' AND data->>'outcome' = 'OK'`,
      [ids],
    );
    expect(recorded).toEqual({ events: ids.length, distinct: ids.length });
    // Each request answered by one vault of the queue group: no more reads recorded than requests sent.
    const [all] = await queryDatabase<{ reads: number }>(
      vault.db.name,
      `SELECT count(*)::int AS reads FROM events WHERE type = 'SecretReadV1' AND data->>'actor' = 'replica-reader'`,
    );
    const sent = ids.length + [...refused.values()].reduce((sum, n) => sum + n, 0);
    expect(all!.reads).toBeLessThanOrEqual(sent);
    const inChain = () =>
      queryDatabase<{ event_id: string; n: number }>(
        hatch.db.name,
        'SELECT event_id, count(*)::int AS n FROM audit_log WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
        [ids],
      );
    await until(async () => (await inChain()).length === ids.length, {
      timeoutMs: 30_000,
      what: 'every value returned recorded in the chain',
    });
    expect((await inChain()).filter((r) => r.n !== 1)).toEqual([]);
    // Each emitter's numbers taken once: two relays never gave one number to two events.
    const renumbered = await queryDatabase(
      hatch.db.name,
      `SELECT origin->>'service' AS service, origin->>'source_seq' AS seq, count(*)::int AS n FROM audit_log
       WHERE origin IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    expect(renumbered).toEqual([]);

    const verified = await runCli(['audit', 'verify', '--key', join(keyDir, 'hatch.pub')], {
      env: { ...process.env, HEARTH_HATCH_URL: survivors.hatch, HEARTH_TOKEN: hearthConsole.adminToken },
    });
    expect(verified.stdout).not.toContain('GAP NEVER FILLED');
    expect(verified.code).toBe(0);

    // Every deployment the consoles took ends ready or failed (the one cut off may never have been taken).
    const settled: Status[] = ['ready', 'failed'];
    const statusOf = async (slug: string): Promise<Status | null> => {
      const response = await fetch(`${survivors.console}/v1/deployments/${slug}`, {
        headers: { authorization: `Bearer ${hearthConsole.adminToken}` },
      });
      return response.status === 404 ? null : DeploymentRef.parse(await response.json()).last_status;
    };
    await until(
      async () => {
        const statuses = await Promise.all(slugs.map(statusOf));
        return statuses.every((status) => status === null || settled.includes(status));
      },
      { timeoutMs: 45_000, intervalMs: 250, what: 'every deployment ready or failed' },
    );
    const statuses = await Promise.all(slugs.map(statusOf));
    expect(statuses.filter((status) => status === 'ready').length).toBeGreaterThanOrEqual(3);
  });
});
