import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, type SidecarSpec } from '@hearth/contracts';
import { docker, type DriverStack, registerWorkspace, respondSigned, startDriverStack, until } from '@hearth/testkit';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';
const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

/**
 * The driver as an attacker finds it: a sidecar spec that binds what it should not, an image named
 * so as to slip past the catalog, and an answer from "the console" that a live workspace is unknown.
 * The driver may bind from one root (a temporary directory) which also holds HEARTH_HOME, so each
 * refusal below is the rule's, not the absence of roots.
 */
describe('attack: the driver trusts only positive evidence and mounts only what is allowed', () => {
  let stack: DriverStack;
  let root: string;
  let home: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'hearth-attack-binds-')));
    home = join(root, '.hearth');
    await mkdir(join(home, 'keys'), { recursive: true });
    await writeFile(join(home, 'vault-kek'), 'the vault key-encryption key');
    await mkdir(join(root, 'data'));
    await symlink('/etc', join(root, 'etc-link'));
    stack = await startDriverStack([POSTGRES_IMAGE, BUSYBOX_IMAGE], {
      driverEnv: { DRIVER_BIND_ROOTS: `${root}:rw`, HEARTH_HOME: home },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Requests a deployment of `sidecar`, and returns its outcome: the status and the driver's reason. */
  const deploy = async (sidecar: SidecarSpec) => {
    const slug = stack.newSlug();
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [sidecar] },
    });
    expect(created.status).toBe(201);
    const { last_status } = await stack.until(slug, ['ready', 'failed']);
    const failed = (await stack.driverAnswers(slug)).find((a) => a.type === 'ProvisioningFailedV1');
    return { slug, status: last_status, reason: (failed?.data as { reason?: string } | undefined)?.reason ?? null };
  };

  it('binds from an allowed root (the control: the refusals below are not all binds refused)', async () => {
    const outcome = await deploy({
      name: 'tool',
      image: BUSYBOX_IMAGE,
      volumes: [{ source: join(root, 'data'), target: '/data' }],
    });
    expect(outcome).toMatchObject({ status: 'ready' });
  });

  it.each<[string, () => { source: string; target: string }]>([
    ["HEARTH_HOME (the vault's KEK and every key)", () => ({ source: home, target: '/hearth' })],
    ['a directory holding HEARTH_HOME', () => ({ source: root, target: '/all' })],
    ['/etc, read-write', () => ({ source: '/etc', target: '/host-etc' })],
    ['/etc through a symlink under the root', () => ({ source: join(root, 'etc-link'), target: '/host-etc' })],
    ['/root', () => ({ source: '/root', target: '/host-root' })],
    ['a path climbing out of the root', () => ({ source: `${root}/data/../../../etc`, target: '/host-etc' })],
  ])('refuses a bind of %s with DRIVER.MOUNT_REFUSED', async (_, volume) => {
    const outcome = await deploy({ name: 'tool', image: BUSYBOX_IMAGE, volumes: [volume()] });
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^DRIVER\.MOUNT_REFUSED: /) });
    expect((await stack.leftovers(outcome.slug)).containers).toBe('');
  });

  it.each([
    ['/run/secrets', 'secrets'],
    ['/run/secrets:rw (a mode smuggled into the engine’s bind syntax)', 'secrets-rw'],
  ])('refuses a bind onto %s, and the generated password never reaches the host', async (spelled, dir) => {
    const secrets = join(root, 'data', dir);
    await mkdir(secrets);
    const outcome = await deploy({
      name: 'postgres',
      image: POSTGRES_IMAGE,
      volumes: [{ source: secrets, target: spelled.split(' ')[0]! }],
    });
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^DRIVER\.MOUNT_REFUSED: /) });
    expect(await readdir(secrets)).toEqual([]);
    expect(await stack.readableVersions(outcome.slug)).toBe(0);
  });

  it('applies the catalog to the Postgres image named by its id: POSTGRES_HOST_AUTH_METHOD=trust is refused', async () => {
    const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', POSTGRES_IMAGE])).stdout;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const image of [id, id.slice('sha256:'.length, 'sha256:'.length + 12)]) {
      const outcome = await deploy({ name: 'postgres', image, env: { POSTGRES_HOST_AUTH_METHOD: 'trust' } });
      expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^DRIVER\.AUTH_WEAKENED: /) });
    }
  });

  // Last: it stops the console for good.
  it('holds a live workspace the "console" says it does not know: containers stopped, not removed; credential kept', async () => {
    const outcome = await deploy({ name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'K' }] });
    expect(outcome.status).toBe('ready');
    const { slug } = outcome;
    const before = (await stack.reader.read(`hearth/${slug}`)).values.K;
    expect(before).toBeDefined();

    // The console goes away, and comes back not knowing the workspace (its projection lost): its
    // signed word is that the workspace does not exist. An unsigned `null` changes nothing at all.
    await stack.console.process.kill();
    const consoleKey = stack.keys.signer('console');
    const impostor = stack.nc.subscribe(Subjects.deploymentGet, {
      callback: (_, message) => respondSigned(message, Subjects.deploymentGet, null, consoleKey),
    });
    try {
      // The driver restarts and reconciles (on start, before it says it is ready).
      await stack.driver.kill();
      await stack.startDriver();

      const containers = (await stack.leftovers(slug)).containers.split('\n').filter(Boolean);
      expect(containers).toHaveLength(1);
      await until(
        async () => (await docker(['inspect', '-f', '{{.State.Running}}', containers[0]!])).stdout === 'false',
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(await stack.readableVersions(slug)).toBe(1);
      expect((await stack.reader.read(`hearth/${slug}`)).values.K).toBe(before);
      expect(stack.driver.output.some((line) => line.includes(slug) && line.includes('"held":true'))).toBe(true);
    } finally {
      impostor.unsubscribe();
    }
  });
});
