import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentRef, ErrorCode, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import {
  docker,
  registerWorkspace,
  startConsoleProcess,
  startDriverProcess,
  startHatchProcess,
  startNats,
  startVaultProcess,
  until,
  type RunningConsole,
  type RunningService,
  type RunningVault,
  type TestNats,
} from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

interface ContainerFacts {
  id: string;
  running: boolean;
  startedAt: string;
  instance: string;
}

/**
 * Two engines, one Docker host: two drivers under different DRIVER_INSTANCEs beside console, vault
 * and hatch, all on the shipped NATS configuration. The console places each deployment on one of
 * them; each driver takes only its engine's commands and touches only its own containers.
 */
describe('deployments across two engines', () => {
  const run = randomBytes(3).toString('hex');
  const [east, west] = [`east-${run}`, `west-${run}`];
  const slugs: string[] = [];
  let nats: TestNats;
  let vault: RunningVault;
  let hearthConsole: RunningConsole;
  let keyDir: string;
  const services: RunningService[] = [];
  const drivers = new Map<string, RunningService>();

  const newSlug = () => {
    const slug = `eng-${run}-${slugs.length}`;
    slugs.push(slug);
    return slug;
  };
  const http = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${hearthConsole.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${hearthConsole.adminToken}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  /** Asks for a deployment of one busybox sidecar, on `engine` if named; the console's answer. */
  const create = async (slug: string, engine?: string) => {
    await registerWorkspace(hearthConsole.url, hearthConsole.adminToken, slug);
    return http('/v1/deployments', {
      method: 'POST',
      body: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        ...(engine === undefined ? {} : { engine }),
        sidecars: [{ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] }],
      },
    });
  };
  const deployment = async (slug: string) => DeploymentRef.parse(await (await http(`/v1/deployments/${slug}`)).json());
  const reaches = async (slug: string, status: DeploymentRef['last_status']) => {
    await until(async () => (await deployment(slug)).last_status === status, {
      timeoutMs: 45_000,
      intervalMs: 100,
      what: `${slug} ${status}`,
    });
    return deployment(slug);
  };
  /** The workspace's sidecar as the engine sees it, or null once it is gone. */
  const sidecar = async (slug: string): Promise<ContainerFacts | null> => {
    const inspected = await docker(['inspect', `hearth-${slug}-tool`]);
    if (inspected.status !== 0) return null;
    const [facts] = JSON.parse(inspected.stdout) as Array<{
      Id: string;
      State: { Running: boolean; StartedAt: string };
      Config: { Labels: Record<string, string> };
    }>;
    return {
      id: facts!.Id,
      running: facts!.State.Running,
      startedAt: facts!.State.StartedAt,
      instance: facts!.Config.Labels['hearth.instance']!,
    };
  };
  const saidAbout = (engine: string, slug: string, what: string) =>
    drivers
      .get(engine)!
      .runs.flatMap((r) => r.output)
      .filter((line) => line.includes(what) && line.includes(`"slug":"${slug}"`));

  beforeAll(async () => {
    nats = await startNats({ auth: true });
    keyDir = await mkdtemp(join(tmpdir(), 'hearth-engines-'));
    const driverKeys = generatePrincipalKeys();
    const keyFile = join(keyDir, 'driver.json');
    await writeFile(keyFile, JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), { mode: 0o600 });
    // Hatch first: HATCH is its to make.
    services.push(await startHatchProcess(nats));
    // West holds at most two workspaces.
    [vault, hearthConsole] = await Promise.all([
      startVaultProcess(nats, { VAULT_DRIVER_PUBLIC_KEY: driverKeys.publicKey }),
      startConsoleProcess(nats, { CONSOLE_ENGINES: `${east},${west}:2` }),
    ]);
    services.push(vault, hearthConsole);
    const started = await Promise.all(
      [east, west].map((engine) =>
        startDriverProcess(nats, {
          DRIVER_VAULT_KEY_FILE: keyFile,
          VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
          DRIVER_INSTANCE: engine,
          DRIVER_ACK_WAIT_SECONDS: '3',
          // East reconciles every second: passes run while west is down.
          DRIVER_RECONCILE_SECONDS: engine === east ? '1' : '0',
        }),
      ),
    );
    drivers.set(east, started[0]!).set(west, started[1]!);
  });

  afterAll(async () => {
    await Promise.all([...drivers.values()].map((driver) => driver.stop()));
    await Promise.all(services.map((service) => service.stop()));
    for (const engine of [east, west]) {
      const mine = ['--filter', `label=hearth.instance=${engine}`];
      const containers = (await docker(['ps', '-aq', ...mine])).stdout;
      if (containers) await docker(['rm', '-fv', ...containers.split('\n')]);
      const networks = (await docker(['network', 'ls', '-q', ...mine])).stdout;
      if (networks) await docker(['network', 'rm', ...networks.split('\n')]);
    }
    await nats?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  const [onWest, onEast, unplaced, full] = [0, 1, 2, 3].map(() => newSlug()) as [string, string, string, string];

  it('places on the engine named, else on the one with the fewest workspaces; each sidecar on its engine', async () => {
    expect((await create(onWest, west)).status).toBe(201);
    const placed = DeploymentRef.parse(await (await create(onEast)).json());
    expect(placed.engine).toBe(east); // west holds one, east none
    const refused = await create(unplaced, 'nowhere');
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: ErrorCode.EngineUnknown } });

    for (const [slug, engine] of [
      [onWest, west],
      [onEast, east],
    ] as const) {
      expect(await reaches(slug, 'ready')).toMatchObject({ engine, last_status: 'ready' });
      expect(await sidecar(slug)).toMatchObject({ running: true, instance: engine });
      expect(saidAbout(engine, slug, 'sidecars provisioned')).toHaveLength(1);
    }
    expect(saidAbout(east, onWest, 'provision')).toEqual([]);
    expect(saidAbout(west, onEast, 'provision')).toEqual([]);
  });

  it('refuses a full engine with its code', async () => {
    expect((await create(full, west)).status).toBe(201); // west's second and last
    const refused = await create(newSlug(), west);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: ErrorCode.EngineFull } });
    await reaches(full, 'ready');
  });

  it('sends a teardown to the engine the deployment lives on, which waits for its driver while the other reconciles and works', async () => {
    const before = (await sidecar(onWest))!;
    await drivers.get(west)!.process.kill();
    expect((await http(`/v1/deployments/${onWest}`, { method: 'DELETE' })).status).toBe(202);
    // East keeps working: a deployment of its own, and reconcile passes after west is gone.
    const passes = () => drivers.get(east)!.process.output.filter((line) => line.includes('"msg":"reconciled"')).length;
    const seen = passes();
    const another = newSlug();
    expect((await create(another, east)).status).toBe(201);
    await reaches(another, 'ready');
    await until(() => passes() >= seen + 2, { timeoutMs: 20_000, what: 'two reconcile passes of east' });
    // West's sidecar is as west left it, its credential still there, its teardown still waiting.
    expect(await sidecar(onWest)).toEqual(before);
    const nc = await nats.connect('admin');
    try {
      const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
      expect((await root.list(`hearth/${onWest}`)).map((m) => m.path)).toContain(`hearth/${onWest}`);
    } finally {
      await nc.close();
    }
    expect((await deployment(onWest)).last_status).toBe('deprovisioning');
    // East never looked at it: neither its containers (none) nor its credential (the vault is shared).
    expect(
      drivers
        .get(east)!
        .runs.flatMap((r) => r.output)
        .filter((line) => line.includes(onWest)),
    ).toEqual([]);

    // West back: it takes its teardown.
    await drivers.get(west)!.restart();
    expect(await reaches(onWest, 'deprovisioned')).toMatchObject({ engine: west });
    expect(await sidecar(onWest)).toBeNull();
    expect(saidAbout(west, onWest, 'sidecars deprovisioned')).toHaveLength(1);
    expect((await sidecar(onEast))?.running).toBe(true);
  });
});
