import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `predicate` holds, asking again every `intervalMs`; fails naming `what` after
 * `timeoutMs`. Tests wait on conditions, never on a sleep that stands for "it has happened by now".
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 50, what = 'the condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
