import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, type SidecarSpec } from '@hearth/contracts';
import { docker } from '@hearth/testkit';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Labels } from '../../domain/naming.js';
import { formatBlock, networkBlock, type Ipv4Block } from '../../domain/network/subnet-pool.js';
import { BUSYBOX_IMAGE, POSTGRES_IMAGE, startDriverHarness, type DriverHarness } from '../../test/driver-harness.js';
import { WorkspaceNetworks } from '../workspace-network.js';

/** Runs `script` with sh inside a container, `input` on its stdin (so no value is on a command line). */
const execIn = (container: string, script: string, input = '') =>
  docker(['exec', '-i', container, 'sh', '-c', script], input);

/** A password login over TCP to the container's own address, the password read from stdin. */
const LOGIN = `read -r PGPASSWORD; export PGPASSWORD; psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc 'SELECT 1'`;

describe('provisioning on the real engine', () => {
  let h: DriverHarness;
  beforeAll(async () => {
    // Binds from the temporary directory only, where the bind tests make their files.
    h = await startDriverHarness({ bindRoots: `${tmpdir()}:rw` });
  });
  afterAll(async () => {
    await h?.close();
  });

  const mine = (slug: string) => ({ [Labels.instance]: h.instance, [Labels.slug]: slug });
  const leftovers = (slug: string) => h.leftovers(slug);

  it('starts a postgres sidecar whose password is in the vault only, written before any container, and logs in with it', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: 'postgres', image: POSTGRES_IMAGE }]);
    await h.useCases.commands.handle(command);

    const answers = await h.answersTo(command.id);
    expect(answers.map((a) => [a.type, a.data])).toEqual([
      ['ProvisioningStartedV1', { slug, command_id: command.id }],
      [
        'SidecarsProvisionedV1',
        { slug, command_id: command.id, endpoint: `postgres://hearth-${slug}-postgres:5432/postgres` },
      ],
    ]);
    const secret = h.vault.secrets.get(`hearth/${slug}`)!;
    expect(secret).toMatchObject({
      provider: 'AUTO_MANAGED',
      type: 'postgres',
      tags: { provisioned_for_service: `${slug}/postgres` },
    });
    // A typed credential: where clients on the workspace network log in, and as whom.
    const { password, ...fields } = secret.values;
    expect(fields).toEqual({
      host: `hearth-${slug}-postgres`,
      port: '5432',
      username: 'postgres',
      database: 'postgres',
    });
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(h.journal.filter((line) => line.includes(slug) && !line.startsWith('docker.start'))).toEqual([
      `vault.write hearth/${slug}`,
      `docker.network hearth-${slug}`,
      `docker.create hearth-${slug}-postgres`,
    ]);

    const container = `hearth-${slug}-postgres`;
    const inspect = await h.docker.getContainer(container).inspect();
    expect(JSON.stringify(inspect)).not.toContain(password);
    expect(inspect.Config.Env).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD');
    expect(inspect.Config.Env.some((e) => e.startsWith('POSTGRES_PASSWORD='))).toBe(false);
    expect(inspect.Config.Labels).toMatchObject({
      [Labels.slug]: slug,
      [Labels.sidecar]: 'postgres',
      [Labels.command]: command.id,
      [Labels.instance]: h.instance,
    });
    expect(inspect.HostConfig).toMatchObject({
      NetworkMode: `hearth-${slug}`,
      Memory: 512 * 1024 * 1024,
      PidsLimit: 256,
      Privileged: false,
      PublishAllPorts: false,
    });
    expect(Object.values((inspect.HostConfig.PortBindings ?? {}) as Record<string, unknown[]>).flat()).toEqual([]);
    expect(Object.values(inspect.NetworkSettings.Ports ?? {}).every((binding) => binding === null)).toBe(true);
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual([`hearth-${slug}`]);

    const network = await h.docker.getNetwork(`hearth-${slug}`).inspect();
    expect(network).toMatchObject({
      Internal: true,
      Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
      Labels: { [Labels.slug]: slug, [Labels.instance]: h.instance },
    });

    expect(await execIn(container, LOGIN, `${password}\n`)).toEqual({ status: 0, stdout: '1' });
    expect((await execIn(container, LOGIN, `${password}x\n`)).status).not.toBe(0);
    expect((await execIn(container, LOGIN, 'postgres\n')).status).not.toBe(0);
    expect(h.logs.join('\n')).not.toContain(password);
  });

  it('leaves the host, its network’s gateway and another workspace out of reach from inside a sidecar, while its own address and its workspace answer', async () => {
    const listener: Server = createServer((socket) => socket.end('hello\n'));
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    const { port } = listener.address() as { port: number };
    try {
      const [slug, other] = [h.newSlug(), h.newSlug()];
      for (const [s, sidecars] of [
        [
          slug,
          [
            { name: 'postgres', image: POSTGRES_IMAGE },
            { name: 'peer', image: BUSYBOX_IMAGE },
          ],
        ],
        [other, [{ name: 'postgres', image: POSTGRES_IMAGE }]],
      ] as const) {
        const command = h.provisionCommand(s, [...sidecars]);
        await h.useCases.commands.handle(command);
        expect((await h.answersTo(command.id)).map((a) => a.type)).toContain('SidecarsProvisionedV1');
      }
      const sidecar = `hearth-${slug}-postgres`;
      const addressOf = async (container: string, network: string) =>
        (await h.docker.getContainer(container).inspect()).NetworkSettings.Networks[network]!.IPAddress;
      const own = await addressOf(sidecar, `hearth-${slug}`);
      const otherWorkspace = await addressOf(`hearth-${other}-postgres`, `hearth-${other}`);
      // The gateway the engine's IPAM reserves on the network, its subnet's first host (the bridge
      // itself has no address on the host).
      const network = await h.docker.getNetwork(`hearth-${slug}`).inspect();
      const subnet = networkBlock(network.IPAM?.Config?.[0]?.Subnet ?? '') as Ipv4Block;
      const gateway = formatBlock({ start: subnet.start + 1, prefix: 32 }).replace(/\/32$/, '');
      for (const address of [own, otherWorkspace, gateway]) expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

      /** Prints each `address:port` where something answered (all tried at once, from inside a container). */
      const probe = (targets: string[]) =>
        `for t in ${targets.join(' ')}; do (nc -w 2 "\${t%:*}" "\${t##*:}" </dev/null >/dev/null 2>&1 && echo "$t") & done; wait`;
      const answered = async (container: string, targets: string[]) =>
        (await execIn(container, probe(targets))).stdout.split('\n').filter(Boolean).sort();

      // The probe finds what listens: the host's listener from the engine's default bridge (at its
      // gateway, docker0), and the other workspace's Postgres from inside its own container.
      const gatewayOf = "ip route | awk '/default/ { print $3 }'";
      const control = await docker([
        'run',
        '--rm',
        BUSYBOX_IMAGE,
        'sh',
        '-c',
        `gw=$(${gatewayOf}); echo "$gw"; ${probe([`"$gw":${port}`])}`,
      ]);
      const [docker0, reached] = control.stdout.split('\n');
      expect(docker0).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(reached).toBe(`${docker0}:${port}`);
      expect(await answered(`hearth-${other}-postgres`, [`${otherWorkspace}:5432`])).toEqual([
        `${otherWorkspace}:5432`,
      ]);

      // From inside the sidecar only its own address answers: not its network's gateway, not the
      // host's addresses or docker0, not the other workspace's Postgres.
      const hostAddresses = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address);
      const targets = [
        `${own}:5432`,
        `${gateway}:${port}`,
        `${gateway}:5432`,
        `${otherWorkspace}:5432`,
        `${docker0}:${port}`,
        ...hostAddresses.map((a) => `${a}:${port}`),
      ];
      expect(await answered(sidecar, targets)).toEqual([`${own}:5432`]);
      expect((await execIn(sidecar, `ping -c 1 -W 2 ${otherWorkspace} >/dev/null && echo reached`)).stdout).toBe('');
      // …while the sidecars of one workspace reach each other by name.
      expect((await execIn(sidecar, `ping -c 1 -W 2 hearth-${slug}-peer >/dev/null && echo reached`)).stdout).toBe(
        'reached',
      );
    } finally {
      listener.close();
    }
  });

  it('creates the network as asked: CheckDuplicate, internal, no address on the host, a subnet of the pool', async () => {
    const slug = h.newSlug();
    await h.useCases.commands.handle(h.provisionCommand(slug, [{ name: 'tool', image: BUSYBOX_IMAGE }]));
    expect(h.networkRequests.filter((r) => r.Name === `hearth-${slug}`)).toEqual([
      {
        Name: `hearth-${slug}`,
        CheckDuplicate: true,
        Driver: 'bridge',
        Internal: true,
        Labels: expect.objectContaining({ [Labels.slug]: slug, [Labels.instance]: h.instance }) as unknown,
        Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
        IPAM: {
          Driver: 'default',
          Config: [{ Subnet: expect.stringMatching(/^10\.6[45]\.\d+\.\d+\/26$/) as unknown }],
        },
      },
    ]);
  });

  it('makes one network of a name: a second create is refused (CheckDuplicate)', async () => {
    const slug = h.newSlug();
    const name = `hearth-${slug}`;
    const labels = { [Labels.instance]: h.instance, [Labels.slug]: slug };
    const named = async () =>
      (await h.docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
    const networks = new WorkspaceNetworks({ engine: h.engine, pool: h.subnetPool, logger: h.logger });
    await networks.create(name, labels);
    await expect(networks.create(name, labels)).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(await named()).toHaveLength(1);
  });

  it('refuses a bind mount of a symlink to the Docker socket, and binds an ordinary symlink where it points', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'hearth-binds-')));
    try {
      await symlink('/var/run/docker.sock', join(dir, 'engine'));
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'current'));

      const refused = h.newSlug();
      const command = h.provisionCommand(refused, [
        {
          name: 'tool',
          image: BUSYBOX_IMAGE,
          volumes: [{ source: join(dir, 'engine'), target: '/var/run/docker.sock' }],
        },
      ]);
      await h.useCases.commands.handle(command);
      const [, failed] = await h.answersTo(command.id);
      expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.MOUNT_REFUSED: /) as unknown });
      expect(h.journal.filter((line) => line.includes(refused))).toEqual([]);
      expect(await leftovers(refused)).toEqual({ containers: 0, networks: 0 });

      const allowed = h.newSlug();
      await h.useCases.commands.handle(
        h.provisionCommand(allowed, [
          { name: 'tool', image: BUSYBOX_IMAGE, volumes: [{ source: join(dir, 'current'), target: '/data' }] },
        ]),
      );
      const inspect = await h.docker.getContainer(`hearth-${allowed}-tool`).inspect();
      expect(inspect.HostConfig.Binds).toEqual([`${join(dir, 'real')}:/data`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, SidecarSpec, string]>([
    [
      'a privileged sidecar',
      { name: 'postgres', image: POSTGRES_IMAGE, privileged: true },
      ErrorCode.PrivilegedRefused,
    ],
    [
      'a Docker socket mount',
      {
        name: 'tool',
        image: BUSYBOX_IMAGE,
        volumes: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }],
      },
      ErrorCode.MountRefused,
    ],
    [
      'a host port beside a generated credential',
      { name: 'postgres', image: POSTGRES_IMAGE, ports: [{ container: 5432, host: 15432 }] },
      ErrorCode.HostPortWithAutoCredential,
    ],
    [
      'the host network',
      { name: 'postgres', image: POSTGRES_IMAGE, network_mode: 'host' },
      ErrorCode.NetworkModeRefused,
    ],
    [
      'an added capability',
      { name: 'tool', image: BUSYBOX_IMAGE, cap_add: ['SYS_ADMIN'] },
      ErrorCode.CapabilitiesRefused,
    ],
    [
      'an env that lets any password in',
      { name: 'postgres', image: POSTGRES_IMAGE, env: { POSTGRES_HOST_AUTH_METHOD: 'trust' } },
      ErrorCode.AuthWeakened,
    ],
    [
      'the credential by env where the image reads it from a file',
      { name: 'postgres', image: POSTGRES_IMAGE, auto_credentials: [{ name: 'POSTGRES_PASSWORD', delivery: 'env' }] },
      ErrorCode.CredentialByEnvRefused,
    ],
  ])('refuses %s with its code, having created nothing and written nothing', async (_, sidecar, code) => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [sidecar]);
    await h.useCases.commands.handle(command);
    const answers = await h.answersTo(command.id);
    expect(answers.map((a) => a.type)).toEqual(['ProvisioningStartedV1', 'ProvisioningFailedV1']);
    expect(answers[1]!.data).toMatchObject({ reason: expect.stringMatching(new RegExp(`^${code}: `)) as unknown });
    expect(await leftovers(slug)).toEqual({ containers: 0, networks: 0 });
    expect(h.vault.secrets.has(`hearth/${slug}`)).toBe(false);
    expect(h.journal.filter((line) => line.includes(slug))).toEqual([]);
  });

  it('applies the catalog to an image named by its id: postgres is postgres, trust is refused', async () => {
    const { Id } = await h.docker.getImage(POSTGRES_IMAGE).inspect();
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [
      { name: 'postgres', image: Id, env: { POSTGRES_HOST_AUTH_METHOD: 'trust' } },
    ]);
    await h.useCases.commands.handle(command);
    const [, failed] = await h.answersTo(command.id);
    expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.AUTH_WEAKENED: /) as unknown });
    expect(h.journal.filter((line) => line.includes(slug))).toEqual([]);
  });

  it('refuses a bind from outside its bind roots, having created nothing', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [
      { name: 'tool', image: BUSYBOX_IMAGE, volumes: [{ source: '/etc', target: '/host-etc' }] },
    ]);
    await h.useCases.commands.handle(command);
    const [, failed] = await h.answersTo(command.id);
    expect(failed?.data).toMatchObject({
      reason: expect.stringMatching(/^DRIVER\.MOUNT_REFUSED: .*DRIVER_BIND_ROOTS/) as unknown,
    });
    expect(await leftovers(slug)).toEqual({ containers: 0, networks: 0 });
  });

  it('refuses where a USER credential lives, and leaves that credential alone', async () => {
    const slug = h.newSlug();
    h.vault.secrets.set(`hearth/${slug}`, {
      provider: 'USER',
      type: 'generic',
      values: { POSTGRES_PASSWORD: 'typed-by-an-operator' },
      tags: {},
      destroyed: false,
    });
    const command = h.provisionCommand(slug, [{ name: 'postgres', image: POSTGRES_IMAGE }]);
    await h.useCases.commands.handle(command);
    const [, failed] = await h.answersTo(command.id);
    expect(failed).toMatchObject({
      type: 'ProvisioningFailedV1',
      data: { reason: expect.stringMatching(/^VAULT\.PROVIDER_CONFLICT: /) as unknown },
    });
    expect(h.vault.secrets.get(`hearth/${slug}`)).toMatchObject({
      provider: 'USER',
      values: { POSTGRES_PASSWORD: 'typed-by-an-operator' },
      destroyed: false,
    });
    // The refused write was the first thing tried: no network, no container was ever created.
    expect(h.journal.filter((line) => line.includes(slug))).toEqual([`vault.write hearth/${slug}`]);
    expect(await leftovers(slug)).toEqual({ containers: 0, networks: 0 });
  });

  it('refuses an image the host does not have, before writing anything', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: 'postgres', image: 'postgres:0-never-built' }]);
    await h.useCases.commands.handle(command);
    const [, failed] = await h.answersTo(command.id);
    expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.IMAGE_NOT_FOUND: /) as unknown });
    expect(h.vault.secrets.has(`hearth/${slug}`)).toBe(false);
    expect(await leftovers(slug)).toEqual({ containers: 0, networks: 0 });
  });

  it('gives an image outside the catalog only the credentials its spec declares, by file', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [
      { name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'TOOL_TOKEN' }] },
      { name: 'plain', image: BUSYBOX_IMAGE },
    ]);
    await h.useCases.commands.handle(command);
    const [, provisioned] = await h.answersTo(command.id);
    expect(provisioned?.data).toMatchObject({ endpoint: `hearth-${slug}-tool,hearth-${slug}-plain` });
    const secret = h.vault.secrets.get(`hearth/${slug}`)!;
    expect(secret.type).toBe('generic'); // declared by the spec, not the catalog's: one value per name
    expect(Object.keys(secret.values)).toEqual(['TOOL_TOKEN']);
    expect(secret.tags).toEqual({ provisioned_for_service: `${slug}/tool` });
    expect((await execIn(`hearth-${slug}-tool`, 'cat "$TOOL_TOKEN_FILE"')).stdout).toBe(secret.values.TOOL_TOKEN);
    expect((await execIn(`hearth-${slug}-plain`, 'ls /run/secrets 2>/dev/null; env | grep -c _FILE')).stdout).toBe('0');
  });

  it('answers a command delivered again with the same ids, finishing what is there instead of making it anew', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: 'postgres', image: POSTGRES_IMAGE }]);
    await h.useCases.commands.handle(command);
    const first = await h.answersTo(command.id);
    const [container] = await h.engine.listContainers(mine(slug));
    const password = h.vault.secrets.get(`hearth/${slug}`)!.values.password;
    const journalBefore = h.journal.length;

    h.directory.statuses.set(slug, 'provisioning');
    await h.useCases.commands.handle(command);
    expect(await h.answersTo(command.id)).toEqual(first);
    expect((await h.engine.listContainers(mine(slug))).map((c) => c.id)).toEqual([container!.id]);
    expect(h.vault.secrets.get(`hearth/${slug}`)!.values.password).toBe(password);
    expect(h.journal.slice(journalBefore)).toEqual([]);

    // Once the deployment has moved on, a late delivery changes nothing at all.
    h.directory.statuses.set(slug, 'ready');
    await h.useCases.commands.handle(command);
    expect(await h.answersTo(command.id)).toEqual(first);
  });

  it('makes anew a container a driver that died created and never started, so it never runs without its credential file', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [
      { name: 'tool', image: BUSYBOX_IMAGE, auto_credentials: [{ name: 'TOOL_TOKEN' }] },
    ]);
    // What the first delivery left when the driver died right after creating the container: no file in it yet.
    const labels = { ...mine(slug), [Labels.command]: command.id, [Labels.sidecar]: 'tool' };
    const created = await docker([
      'create',
      '--name',
      `hearth-${slug}-tool`,
      ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
      BUSYBOX_IMAGE,
    ]);
    expect(created.status).toBe(0);

    await h.useCases.commands.handle(command);
    const [, provisioned] = await h.answersTo(command.id);
    expect(provisioned?.type).toBe('SidecarsProvisionedV1');
    const [container] = await h.engine.listContainers(mine(slug));
    expect(container!.id).not.toBe(created.stdout);
    const token = h.vault.secrets.get(`hearth/${slug}`)!.values.TOOL_TOKEN;
    expect((await execIn(`hearth-${slug}-tool`, 'cat "$TOOL_TOKEN_FILE"')).stdout).toBe(token);
  });
});

describe('a sidecar that is not ready in time', () => {
  let h: DriverHarness;
  beforeAll(async () => {
    h = await startDriverHarness({ readyTimeoutMs: 300 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fails the deployment with nothing left: no container, no network, the credential destroyed', async () => {
    const slug = h.newSlug();
    const command = h.provisionCommand(slug, [{ name: 'postgres', image: POSTGRES_IMAGE }]);
    await h.useCases.commands.handle(command);
    const [, failed] = await h.answersTo(command.id);
    expect(failed?.data).toMatchObject({ reason: expect.stringMatching(/^DRIVER\.SIDECAR_NOT_READY: /) as unknown });
    const labels = { [Labels.instance]: h.instance, [Labels.slug]: slug };
    expect((await h.engine.listContainers(labels)).length + (await h.engine.listNetworks(labels)).length).toBe(0);
    expect(h.vault.secrets.get(`hearth/${slug}`)).toMatchObject({ destroyed: true });
  });

  it('destroys the credential of a failed attempt whose write committed but whose answer was lost', async () => {
    const slug = h.newSlug();
    // As a vault killed after its commit, or a NATS node with it, loses the answer: the caller times out.
    const write = h.vault.writeGenerated.bind(h.vault);
    h.vault.writeGenerated = async (...args) => {
      await write(...args);
      throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    };
    try {
      const command = h.provisionCommand(slug, [{ name: 'postgres', image: POSTGRES_IMAGE }]);
      await h.useCases.commands.handle(command);
      expect((await h.answersTo(command.id)).map((answer) => answer.type)).toContain('ProvisioningFailedV1');
    } finally {
      h.vault.writeGenerated = write;
    }
    expect(h.vault.secrets.get(`hearth/${slug}`)).toMatchObject({ destroyed: true });
  });
});
