import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import type { ContainerState } from './ports.js';
import { waitUntilReady } from './readiness.js';

const options = { timeoutMs: 300, pollMs: 10, settleMs: 50 };
/** Where the timeout is not what a test is about: a loaded machine may pause a test longer than 300 ms. */
const patient = { ...options, timeoutMs: 30_000 };
const up: ContainerState = { running: true, restarting: false, exitCode: null };

/** An engine whose container goes through `states` (the last one repeats) and whose check exits as `exits` say. */
function engine(states: ContainerState[], exits: Array<number | null> = []) {
  const calls = { exec: 0 };
  return {
    calls,
    stateOf: () => Promise.resolve(states.length > 1 ? states.shift()! : states[0]!),
    exec: () => {
      calls.exec++;
      return Promise.resolve(exits.length > 1 ? exits.shift()! : (exits[0] ?? 1));
    },
  };
}

async function codeOf(work: Promise<void>): Promise<string | null> {
  try {
    await work;
    return null;
  } catch (error) {
    return error instanceof HearthError ? error.code : 'not a HearthError';
  }
}

describe('waiting for a sidecar', () => {
  it('ends when the check inside the container passes', async () => {
    const e = engine([up], [2, 2, 0]);
    await waitUntilReady(e, 'c', { name: 'db', readiness: 'true' }, patient);
    expect(e.calls.exec).toBe(3);
  });

  it('counts an image without a check ready once it has kept running', async () => {
    const e = engine([up]);
    const started = Date.now();
    await waitUntilReady(e, 'c', { name: 'tool', readiness: null }, options);
    expect(Date.now() - started).toBeGreaterThanOrEqual(options.settleMs);
    expect(e.calls.exec).toBe(0);
  });

  it.each<[string, ContainerState]>([
    ['stops', { running: false, restarting: false, exitCode: 1 }],
    ['restarts', { running: true, restarting: true, exitCode: 1 }],
  ])('fails at once when the container %s', async (_, state) => {
    const started = Date.now();
    expect(await codeOf(waitUntilReady(engine([up, state]), 'c', { name: 'db', readiness: 'false' }, patient))).toBe(
      ErrorCode.SidecarNotReady,
    );
    expect(Date.now() - started).toBeLessThan(patient.timeoutMs);
  });

  it('fails when the check never passes in time', async () => {
    expect(await codeOf(waitUntilReady(engine([up], [1]), 'c', { name: 'db', readiness: 'false' }, options))).toBe(
      ErrorCode.SidecarNotReady,
    );
  });
});
