import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@hearth/contracts';
import Docker from 'dockerode';
import { randomInt } from 'node:crypto';
import { Labels } from '../domain/naming.js';
import {
  formatBlock,
  freeSubnet,
  networkBlock,
  type Ipv4Block,
  type SubnetPool,
} from '../domain/network/subnet-pool.js';
import { DockerEngine } from '../infra/docker/docker-engine.js';
import { BUSYBOX_IMAGE, startDriverHarness, type DriverHarness } from '../test/driver-harness.js';
import { WorkspaceNetworks } from './workspace-network.js';

/** More networks than Docker's default pools hold (15 /16s and 16 /20s, fewer where some are taken). */
const BEYOND_DEFAULT_POOLS = 40;

/**
 * A /20 (64 subnets of /26) of 10.80.0.0/12 with no network in it on this engine, picked at random
 * so that two runs at once rarely share one: the first-free and reuse expectations below hold for a
 * pool no one else is taking from.
 */
async function unusedPool(): Promise<Ipv4Block> {
  const inUse = await new DockerEngine(new Docker()).subnetsInUse();
  const range = networkBlock('10.80.0.0/12') as Ipv4Block;
  for (;;) {
    const block = { start: range.start + randomInt(256) * 2 ** 12, prefix: 20 };
    if (freeSubnet({ block, subnetPrefix: 20 }, inUse) !== null) return block;
  }
}

describe('workspace networks on subnets of the operator’s pool, on the real engine', () => {
  let h: DriverHarness;
  let pool: SubnetPool;
  /** The subnet of the n-th /26 of the pool. */
  const nth = (n: number) => formatBlock({ start: pool.block.start + n * 64, prefix: 26 });
  const subnetOf = async (network: string) =>
    (await new Docker().getNetwork(network).inspect()).IPAM?.Config?.map((c) => c.Subnet);

  beforeAll(async () => {
    h = await startDriverHarness({ subnetPool: formatBlock(await unusedPool()) });
    pool = h.subnetPool;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gives a workspace the first free subnet, frees it on deprovision and by reconcile, and hands it out again', async () => {
    const busybox = [{ name: 'tool', image: BUSYBOX_IMAGE }];
    const first = h.newSlug();
    await h.useCases.commands.handle(h.provisionCommand(first, busybox));
    expect(await subnetOf(`hearth-${first}`)).toEqual([nth(0)]);

    h.directory.statuses.set(first, 'deprovisioning');
    await h.useCases.commands.handle(h.deprovisionCommand(first));
    expect(await h.leftovers(first)).toEqual({ containers: 0, networks: 0 });

    const second = h.newSlug();
    await h.useCases.commands.handle(h.provisionCommand(second, busybox));
    expect(await subnetOf(`hearth-${second}`)).toEqual([nth(0)]);

    h.directory.statuses.set(second, 'failed');
    expect((await h.useCases.commands.reconcileNow()).removed).toContain(second);
    expect(await h.leftovers(second)).toEqual({ containers: 0, networks: 0 });
    expect(freeSubnet(pool, await h.engine.subnetsInUse())).toBe(nth(0));
  });

  it(`holds ${BEYOND_DEFAULT_POOLS} networks, each on its own subnet of the pool, and refuses with a code once the pool is full`, async () => {
    const networks = new WorkspaceNetworks({ engine: h.engine, pool, logger: h.logger });
    const slugs = Array.from({ length: BEYOND_DEFAULT_POOLS }, () => h.newSlug());
    const subnets = [];
    for (const slug of slugs) {
      subnets.push(await networks.create(`hearth-${slug}`, { [Labels.instance]: h.instance, [Labels.slug]: slug }));
    }
    expect(subnets).toEqual(Array.from({ length: BEYOND_DEFAULT_POOLS }, (_, n) => nth(n)));
    expect(await subnetOf(`hearth-${slugs.at(-1)!}`)).toEqual([nth(BEYOND_DEFAULT_POOLS - 1)]);

    // A pool of the first four subnets, all taken now.
    const full = new WorkspaceNetworks({
      engine: h.engine,
      pool: { ...pool, block: { ...pool.block, prefix: 24 } },
      logger: h.logger,
    });
    await expect(full.create(`hearth-${h.newSlug()}`, { [Labels.instance]: h.instance })).rejects.toMatchObject({
      code: ErrorCode.SubnetPoolExhausted,
      message: expect.stringMatching(/no free \/26 left in .*\/24 \(DRIVER_SUBNET_POOL\).*all 4 are in use/) as unknown,
    });
    for (const slug of slugs) await h.engine.removeNetwork(`hearth-${slug}`);
  });

  it('takes the next subnet when another driver made a network on the chosen one since the engine was read', async () => {
    // What a driver read before another instance on the same engine created its network…
    const before = await h.engine.subnetsInUse();
    const other = new WorkspaceNetworks({ engine: h.engine, pool, logger: h.logger });
    const otherSlug = h.newSlug();
    expect(await other.create(`hearth-${otherSlug}`, { [Labels.instance]: h.instance, [Labels.slug]: otherSlug })).toBe(
      nth(0),
    );
    // …so it chooses the same subnet, the engine refuses the overlap, and it takes the next.
    const late = new WorkspaceNetworks({
      engine: {
        subnetsInUse: () => Promise.resolve([...before]),
        createNetwork: (...args) => h.engine.createNetwork(...args),
      },
      pool,
      logger: h.logger,
    });
    const slug = h.newSlug();
    expect(await late.create(`hearth-${slug}`, { [Labels.instance]: h.instance, [Labels.slug]: slug })).toBe(nth(1));
    expect(h.logs.some((line) => line.includes('subnet taken meanwhile') && line.includes(nth(0)))).toBe(true);
    expect(await subnetOf(`hearth-${slug}`)).toEqual([nth(1)]);
  });
});
