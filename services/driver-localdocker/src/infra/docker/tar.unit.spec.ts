import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarOf } from './tar.js';

describe('the tar writer', () => {
  it('writes an archive that tar(1) lists and extracts with the modes given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-tar-'));
    try {
      const archive = tarOf([
        { path: 'run/secrets', mode: 0o755 },
        { path: 'run/secrets/POSTGRES_PASSWORD', mode: 0o444, content: Buffer.from('x'.repeat(600)) },
      ]);
      expect(archive.length % 512).toBe(0);
      writeFileSync(join(dir, 'a.tar'), archive);
      const listed = spawnSync('tar', ['-tvf', 'a.tar', '--numeric-owner'], { cwd: dir, encoding: 'utf8' });
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(/^drwxr-xr-x 0\/0 .* run\/secrets\/$/m);
      expect(listed.stdout).toMatch(/^-r--r--r-- 0\/0 +600 .* run\/secrets\/POSTGRES_PASSWORD$/m);
      expect(spawnSync('tar', ['-xf', 'a.tar'], { cwd: dir }).status).toBe(0);
      expect(readFileSync(join(dir, 'run/secrets/POSTGRES_PASSWORD'), 'utf8')).toBe('x'.repeat(600));
      expect(statSync(join(dir, 'run/secrets/POSTGRES_PASSWORD')).mode & 0o777).toBe(0o444);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
