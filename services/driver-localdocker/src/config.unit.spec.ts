import { describe, expect, it } from '@jest/globals';
import { sharedServiceKeys } from '@hearth/testkit';
import { resolve } from 'node:path';
import { DriverEnv, loadDriverConfig, subnetPoolOf } from './config.js';
import { capacityOf } from './domain/network/subnet-pool.js';

const base = {
  DRIVER_VAULT_ACTOR: 'driver',
  DRIVER_VAULT_SECRET_KEY: Buffer.alloc(64).toString('base64'),
  VAULT_SEAL_PUBLIC_KEY: Buffer.alloc(32).toString('base64'),
  ...sharedServiceKeys().env('driver-localdocker'),
};

describe('the driver’s mount settings', () => {
  it('bind no host path by default, and know HEARTH_HOME as the CLI does', () => {
    expect(DriverEnv.parse(base)).toMatchObject({ DRIVER_BIND_ROOTS: [], HEARTH_HOME: resolve('.hearth') });
  });

  it('read bind roots as comma-separated paths, read-only unless :rw', () => {
    expect(
      DriverEnv.parse({ ...base, DRIVER_BIND_ROOTS: '/srv/data:rw, /srv/conf ,/srv//conf2/:ro,' }).DRIVER_BIND_ROOTS,
    ).toEqual([
      { path: '/srv/data', writable: true },
      { path: '/srv/conf', writable: false },
      { path: '/srv/conf2/', writable: false },
    ]);
  });

  it.each(['srv/data', '/srv/../etc', '/srv/data:rwx', '/srv/data/..:rw'])('refuse the bind root %s', (root) => {
    expect(DriverEnv.safeParse({ ...base, DRIVER_BIND_ROOTS: root }).success).toBe(false);
  });
});

describe('the driver’s credential work setting', () => {
  it('polls the vault every 2 seconds by default, and never at 0', () => {
    expect(DriverEnv.parse(base).DRIVER_CREDENTIAL_WORK_SECONDS).toBe(2);
    expect(DriverEnv.parse({ ...base, DRIVER_CREDENTIAL_WORK_SECONDS: '0' }).DRIVER_CREDENTIAL_WORK_SECONDS).toBe(0);
    expect(DriverEnv.safeParse({ ...base, DRIVER_CREDENTIAL_WORK_SECONDS: '-1' }).success).toBe(false);
  });
});

describe('the driver’s subnet pool settings', () => {
  it('take /26s out of 10.64.0.0/15 by default: 2,048 workspaces of up to 61 containers', () => {
    const config = DriverEnv.parse(base);
    expect(subnetPoolOf(config)).toEqual({
      block: { start: 10 * 2 ** 24 + 64 * 2 ** 16, prefix: 15 },
      subnetPrefix: 26,
    });
    expect(capacityOf(subnetPoolOf(config))).toBe(2048);
  });

  it('read a pool and a prefix the operator chose', () => {
    const config = DriverEnv.parse({ ...base, DRIVER_SUBNET_POOL: '172.20.0.0/16', DRIVER_SUBNET_PREFIX: '24' });
    expect(subnetPoolOf(config)).toEqual({
      block: { start: (172 * 256 + 20) * 2 ** 16, prefix: 16 },
      subnetPrefix: 24,
    });
  });

  const refusals: Array<[Record<string, string>, string, RegExp]> = [
    [{ DRIVER_SUBNET_POOL: '10.64.0.0' }, 'DRIVER_SUBNET_POOL', /CIDR notation.*not an IPv4 address\/prefix/],
    [{ DRIVER_SUBNET_POOL: 'fd00::/64' }, 'DRIVER_SUBNET_POOL', /not an IPv4 address\/prefix/],
    [{ DRIVER_SUBNET_POOL: '10.65.0.0/15' }, 'DRIVER_SUBNET_POOL', /host bits set/],
    [
      { DRIVER_SUBNET_PREFIX: '28' },
      'DRIVER_SUBNET_PREFIX',
      /at most 26: a workspace may hold 16 sidecars and 16 workloads/,
    ],
    [{ DRIVER_SUBNET_PREFIX: 'wide' }, 'DRIVER_SUBNET_PREFIX', /number/],
    [
      { DRIVER_SUBNET_POOL: '10.64.0.0/24', DRIVER_SUBNET_PREFIX: '20' },
      'DRIVER_SUBNET_PREFIX',
      /shorter than the prefix of DRIVER_SUBNET_POOL/,
    ],
  ];
  it.each(refusals)('refuse %p at start, naming %s and why', (settings, key, why) => {
    expect(() => loadDriverConfig({ ...base, ...settings })).toThrow(new RegExp(`${key}: .*`));
    expect(() => loadDriverConfig({ ...base, ...settings })).toThrow(why);
  });
});
