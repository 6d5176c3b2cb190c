/**
 * Test-only crash points. HEARTH_FAILPOINTS=name[,name] (read once, when the process starts) names the
 * points at which the process SIGKILLs itself — no shutdown, no flush, no finally — so a test can kill it
 * between two steps exactly where a crash would leave the work half done. Unset, a failpoint is nothing.
 */
const armed: ReadonlySet<string> = new Set(
  (process.env.HEARTH_FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);

export function failpoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
