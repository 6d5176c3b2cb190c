import { ErrorCode, HearthError } from '@hearth/contracts';
import type { Logger } from '@hearth/platform/logging';
import { capacityOf, formatBlock, freeSubnet, type SubnetPool } from '../domain/network/subnet-pool.js';
import type { ContainerEngine } from './ports.js';

/**
 * Makes a workspace's network on a subnet of the operator's pool. What is taken is read from the
 * engine each time, every network's subnets and not only this driver's, so a restarted driver or
 * another one on the same engine never chooses a subnet in use; the subnet comes free when the
 * network is removed (deprovision, reconcile), since the network is the only record of it.
 */
export class WorkspaceNetworks {
  constructor(
    private readonly deps: {
      engine: Pick<ContainerEngine, 'createNetwork' | 'subnetsInUse'>;
      pool: SubnetPool;
      logger: Logger;
    },
  ) {}

  /** Creates network `name` and returns its subnet; DRIVER.SUBNET_POOL_EXHAUSTED when no subnet is free. */
  async create(name: string, labels: Record<string, string>): Promise<string> {
    const { engine, pool, logger } = this.deps;
    const taken = await engine.subnetsInUse();
    for (;;) {
      const subnet = freeSubnet(pool, taken);
      if (subnet === null) {
        throw new HearthError(
          ErrorCode.SubnetPoolExhausted,
          `no free /${pool.subnetPrefix} left in ${formatBlock(pool.block)} (DRIVER_SUBNET_POOL) for network ${name}: ` +
            `all ${capacityOf(pool)} are in use`,
        );
      }
      if ((await engine.createNetwork(name, labels, subnet)) === 'created') return subnet;
      // Another driver on this engine made a network on it since the read: the next one, then.
      logger.info({ network: name, subnet }, 'subnet taken meanwhile by another network; trying the next');
      taken.push(subnet);
    }
  }
}
