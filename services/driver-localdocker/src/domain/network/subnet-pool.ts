/**
 * The address pool workspace networks take their subnets from. Docker's default pools hand each
 * bridge a /16 or a /20 and run out at about 30 networks; the driver instead asks for one small
 * subnet per workspace, the first one of the operator's pool that no network on the engine uses.
 * IPv4 only: the workspace networks are IPv4 bridges.
 */

/** An IPv4 block: its first address as an unsigned 32-bit number, and its prefix length. */
export interface Ipv4Block {
  start: number;
  prefix: number;
}

/** The operator's pool (DRIVER_SUBNET_POOL) and the prefix length of each workspace's subnet in it. */
export interface SubnetPool {
  block: Ipv4Block;
  subnetPrefix: number;
}

/** Why a text is not a usable network in CIDR notation; null when it is one. */
export type CidrProblem = 'not an IPv4 address/prefix' | 'host bits set (the address must be the network’s first)';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** `a.b.c.d/p` as its address and prefix, host bits kept; null for anything else (IPv6 included). */
function parseCidr(text: string): { address: number; prefix: number } | null {
  const match = CIDR.exec(text.trim());
  if (match === null) return null;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return null;
  return { address: octets.reduce((address, octet) => address * 256 + octet, 0), prefix };
}

/** How many addresses a block of `prefix` holds. */
export const addressesIn = (prefix: number): number => 2 ** (32 - prefix);

/** The block `text` names, or why it names none: a pool must be written as its network address. */
export function networkBlock(text: string): Ipv4Block | CidrProblem {
  const parsed = parseCidr(text);
  if (parsed === null) return 'not an IPv4 address/prefix';
  if (parsed.address % addressesIn(parsed.prefix) !== 0)
    return 'host bits set (the address must be the network’s first)';
  return { start: parsed.address, prefix: parsed.prefix };
}

export function formatBlock({ start, prefix }: Ipv4Block): string {
  return `${[24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join('.')}/${prefix}`;
}

/** How many workspace subnets the pool holds. */
export const capacityOf = (pool: SubnetPool): number => 2 ** (pool.subnetPrefix - pool.block.prefix);

/**
 * The first subnet of the pool that overlaps none of `inUse` (every subnet of every network on the
 * engine, whoever made it, as the engine writes them; IPv6 and unreadable entries are skipped), or
 * null when the pool is full.
 */
export function freeSubnet(pool: SubnetPool, inUse: readonly string[]): string | null {
  const size = addressesIn(pool.subnetPrefix);
  const poolEnd = pool.block.start + addressesIn(pool.block.prefix);
  // Each taken range as [first, past last), the engine's text masked to its network (Docker keeps
  // what it was asked for, host bits included), in order of where it starts.
  const taken = inUse
    .map(parseCidr)
    .filter((cidr) => cidr !== null)
    .map(({ address, prefix }) => {
      const first = address - (address % addressesIn(prefix));
      return { first, end: first + addressesIn(prefix) };
    })
    .sort((a, b) => a.first - b.first);
  let candidate = pool.block.start;
  let next = 0;
  while (candidate + size <= poolEnd) {
    // Ranges that end at or before the candidate can hold no later candidate either.
    while (next < taken.length && taken[next]!.end <= candidate) next++;
    const range = taken[next];
    // Sorted by start: if this one starts past the candidate's end, every later one does too.
    if (range === undefined || range.first >= candidate + size)
      return formatBlock({ start: candidate, prefix: pool.subnetPrefix });
    // Overlap: the next candidate is the first aligned subnet past this range.
    candidate = Math.ceil(range.end / size) * size;
  }
  return null;
}
