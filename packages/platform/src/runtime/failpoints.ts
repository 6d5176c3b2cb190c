/**
 * Failpoints for kill tests: `HEARTH_FAILPOINTS=name[,name]` (test-only, read once at start) names
 * the points at which the process SIGKILLs itself, as a crash would stop it: no handler, no flush.
 * Unset (always, outside tests), a failpoint costs one Set lookup.
 */
const armed = new Set(
  (process.env.HEARTH_FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);

export function failpoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
