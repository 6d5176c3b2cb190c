// Every jest tier, closed by one plain summary line that any CI reads. `npm test` runs it after the
// set-up (scripts/setup.sh), which has built everything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = join(mkdtempSync(join(tmpdir(), 'hearth-jest-')), 'results.json');
const jest = spawnSync('pnpm', ['exec', 'jest', '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`,
  },
});
try {
  const summary = JSON.parse(readFileSync(results, 'utf8'));
  const skipped = summary.numPendingTests + summary.numTodoTests;
  console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`);
  if (summary.numTotalTests === 0) process.exit(1);
} catch {
  console.log('\n0 passed, 1 failed (jest wrote no results)');
  process.exit(1);
}
process.exit(jest.status ?? 1);
