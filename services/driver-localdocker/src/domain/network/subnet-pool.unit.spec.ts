import { describe, expect, it } from '@jest/globals';
import { capacityOf, formatBlock, freeSubnet, networkBlock, type Ipv4Block, type SubnetPool } from './subnet-pool.js';

const block = (text: string): Ipv4Block => networkBlock(text) as Ipv4Block;
const pool = (text: string, subnetPrefix: number): SubnetPool => ({ block: block(text), subnetPrefix });

describe('a pool written in CIDR notation', () => {
  it.each(['10.64.0.0/15', '0.0.0.0/0', '192.168.255.0/24', '10.64.0.64/26'])('reads %s back as written', (text) => {
    expect(formatBlock(block(text))).toBe(text);
  });

  it.each(['10.64.0.0', '10.64.0.0/33', '10.256.0.0/16', 'fd00::/64', '10.64.0/16', ' ', '10.64.0.0/15/26'])(
    'refuses %p as no IPv4 network',
    (text) => {
      expect(networkBlock(text)).toBe('not an IPv4 address/prefix');
    },
  );

  it('refuses an address with host bits set, which names no network', () => {
    expect(networkBlock('10.65.0.0/15')).toMatch(/^host bits set/);
    expect(networkBlock('10.64.0.1/26')).toMatch(/^host bits set/);
  });

  it('holds 2^(subnet prefix − pool prefix) subnets', () => {
    expect(capacityOf(pool('10.64.0.0/15', 26))).toBe(2048);
    expect(capacityOf(pool('10.64.0.0/26', 26))).toBe(1);
  });
});

describe('the free subnet, given the subnets in use on the engine', () => {
  const small = pool('10.64.0.0/24', 26); // four subnets: .0, .64, .128, .192

  it('is the pool’s first subnet on an engine with nothing in it', () => {
    expect(freeSubnet(small, [])).toBe('10.64.0.0/26');
  });

  it('skips what is taken, and fills a gap left by a removed network first', () => {
    expect(freeSubnet(small, ['10.64.0.0/26', '10.64.0.64/26'])).toBe('10.64.0.128/26');
    expect(freeSubnet(small, ['10.64.0.0/26', '10.64.0.128/26'])).toBe('10.64.0.64/26');
  });

  it('is null once the pool is full', () => {
    expect(freeSubnet(small, ['10.64.0.0/26', '10.64.0.64/26', '10.64.0.128/26', '10.64.0.192/26'])).toBeNull();
    expect(freeSubnet(small, ['10.0.0.0/8'])).toBeNull();
  });

  it('avoids networks of any size that overlap, in any order: smaller ones, or one holding the whole pool', () => {
    expect(freeSubnet(small, ['10.64.0.200/29', '10.64.0.8/29', '10.64.0.64/27'])).toBe('10.64.0.128/26');
    expect(freeSubnet(small, ['10.64.0.0/25'])).toBe('10.64.0.128/26');
    expect(freeSubnet(small, ['10.64.0.0/16'])).toBeNull();
  });

  it('takes a subnet an engine wrote with host bits as the network it is in', () => {
    expect(freeSubnet(small, ['10.64.0.5/26'])).toBe('10.64.0.64/26');
  });

  it('ignores IPv6 subnets and networks outside the pool', () => {
    expect(freeSubnet(small, ['fd00:1::/64', '172.17.0.0/16', '192.168.48.0/20', '10.65.0.0/16'])).toBe('10.64.0.0/26');
  });

  it('finds the last subnet of a large pool past a thousand taken ones', () => {
    const large = pool('10.64.0.0/16', 26);
    const taken = Array.from({ length: 1023 }, (_, i) =>
      formatBlock({ start: block('10.64.0.0/16').start + i * 64, prefix: 26 }),
    );
    expect(freeSubnet(large, taken.reverse())).toBe('10.64.255.192/26');
  });
});
