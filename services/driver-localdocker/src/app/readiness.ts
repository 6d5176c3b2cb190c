import { ErrorCode, HearthError } from '@hearth/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SidecarPlan } from '../domain/plan/deployment-plan.js';
import type { ContainerEngine } from './ports.js';

/**
 * How long one check may run. Some boot a runtime of their own (rabbitmqctl an Erlang VM, seconds on
 * a busy host); one cut short would start again while it still runs, and the checks pile up.
 */
const CHECK_TIMEOUT_MS = 15_000;

export interface ReadinessOptions {
  timeoutMs: number;
  pollMs: number;
  /** How long an image without a check must keep running to count as ready. */
  settleMs: number;
}

/**
 * Waits until a sidecar answers: its catalog check (run by exec inside the container: a login with
 * the credential over TCP to its own address) exits 0, or, for an image outside the catalog, it has
 * kept running for `settleMs`. A workload's check is its init's mark that the values are delivered. A container that stops (or restarts) on the way fails at once.
 */
export async function waitUntilReady(
  engine: Pick<ContainerEngine, 'stateOf' | 'exec'>,
  containerId: string,
  sidecar: Pick<SidecarPlan, 'name' | 'readiness'> & { kind?: 'sidecar' | 'workload' },
  options: ReadinessOptions,
): Promise<void> {
  const what = `${sidecar.kind ?? 'sidecar'} ${sidecar.name}`;
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  for (;;) {
    const state = await engine.stateOf(containerId);
    if (!state.running || state.restarting) {
      // Restarting means it stopped once already: waiting on a crash loop would only spend the timeout.
      throw new HearthError(
        ErrorCode.SidecarNotReady,
        `${what} stopped (exit code ${state.exitCode ?? 'unknown'}) before it was ready`,
      );
    }
    const remaining = deadline - Date.now();
    if (sidecar.readiness === null) {
      if (Date.now() - started >= options.settleMs) return;
    } else if (remaining > 0) {
      let exitCode: number | null;
      try {
        exitCode = await engine.exec(containerId, sidecar.readiness, Math.min(remaining, CHECK_TIMEOUT_MS));
      } catch (error) {
        // It stopped between the look and the check (the engine refuses an exec then): say so, as above.
        if ((await engine.stateOf(containerId)).running) throw error;
        continue;
      }
      if (exitCode === 0) return;
    }
    if (Date.now() >= deadline) {
      throw new HearthError(
        ErrorCode.SidecarNotReady,
        `${what} was not ready within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    await sleep(options.pollMs);
  }
}
