import { describe, expect, it } from '@jest/globals';
import { sharedServiceKeys } from '@hearth/testkit';
import { resolve } from 'node:path';
import { DriverEnv } from './config.js';

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
