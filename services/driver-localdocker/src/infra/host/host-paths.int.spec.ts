import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realHostPaths } from './host-paths.js';

describe('bind sources resolved on the real file system', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'hearth-host-paths-')));
    await symlink('/var/run/docker.sock', join(dir, 'engine'));
    await symlink('/var/lib', join(dir, 'lib'));
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'current'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows a symlink to the Docker socket to the socket itself (/var/run links to /run here)', async () => {
    expect(await realHostPaths.resolve(join(dir, 'engine'))).toBe(await realpath('/var/run/docker.sock'));
  });

  it('resolves a path the engine would still create through its deepest existing ancestor', async () => {
    expect(await realHostPaths.resolve(join(dir, 'lib', 'docker', 'not-yet', 'there'))).toBe(
      '/var/lib/docker/not-yet/there',
    );
    expect(await realHostPaths.resolve(join(dir, 'current', 'new/'))).toBe(join(dir, 'real', 'new'));
  });

  it('leaves an ordinary directory as it is', async () => {
    expect(await realHostPaths.resolve(join(dir, 'real'))).toBe(join(dir, 'real'));
  });
});
