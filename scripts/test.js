// Every jest tier, closed by one plain summary line that any CI reads. `npm test` runs it after the
// set-up (scripts/setup.sh), which has built everything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = join(mkdtempSync(join(tmpdir(), 'hearth-jest-')), 'results.json');
// Two workers even on two cores (jest's default there is one): the specs mostly wait on processes,
// databases and the broker, so two at once keep both cores busy — measured 731 s for the whole suite
// here, against ~1,090 s with one. `--maxWorkers` given on the command line still wins.
const jest = spawnSync(
  'pnpm',
  ['exec', 'jest', '--maxWorkers=2', '--json', `--outputFile=${results}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings=ExperimentalWarning`,
    },
  },
);
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
