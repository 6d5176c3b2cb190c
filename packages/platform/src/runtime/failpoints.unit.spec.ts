import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built module, as a service process loads it. */
const MODULE = fileURLToPath(new URL('../../dist/runtime/failpoints.js', import.meta.url));

/** Runs a node process that passes failpoint `name` with HEARTH_FAILPOINTS set to `armed`. */
function passing(name: string, armed: string | undefined) {
  const env = { ...process.env };
  delete env.HEARTH_FAILPOINTS;
  if (armed !== undefined) env.HEARTH_FAILPOINTS = armed;
  return spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { failpoint } from ${JSON.stringify(MODULE)}; failpoint(${JSON.stringify(name)}); console.log('alive');`,
    ],
    { env, encoding: 'utf8' },
  );
}

describe('failpoints', () => {
  it('kill the process at a point HEARTH_FAILPOINTS names, as a crash would', () => {
    const run = passing('driver.rotation.after-apply', 'vault.rotation.after-request, driver.rotation.after-apply');
    expect(run.signal).toBe('SIGKILL');
    expect(run.stdout).toBe('');
  });

  it('let the process pass every point it does not name, and every point when unset', () => {
    expect(passing('driver.rotation.before-report', 'driver.rotation.after-apply')).toMatchObject({
      status: 0,
      stdout: 'alive\n',
    });
    expect(passing('driver.rotation.after-apply', undefined)).toMatchObject({ status: 0, stdout: 'alive\n' });
  });
});
