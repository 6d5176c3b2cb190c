import { ErrorCode, HearthError } from '@hearth/contracts';

/** An engine the console places deployments on, as its configuration names it. */
export interface EngineCapacity {
  name: string;
  /** The most workspaces it holds. */
  capacity: number;
}

/**
 * Where a new deployment goes: the engine the request names, else the engine with the fewest
 * workspaces among those with room (the first configured wins a tie, so placement is repeatable).
 * `workspaces` counts, per engine, the deployments that live there (every one not deprovisioned:
 * a failed one may be retried where it is). An engine not configured is refused with
 * CONSOLE.ENGINE_UNKNOWN, a full one (or every one full) with CONSOLE.ENGINE_FULL.
 */
export function placeDeployment(
  requested: string | undefined,
  engines: readonly EngineCapacity[],
  workspaces: ReadonlyMap<string, number>,
): string {
  const load = (engine: EngineCapacity) => workspaces.get(engine.name) ?? 0;
  const hasRoom = (engine: EngineCapacity) => load(engine) < engine.capacity;
  if (requested !== undefined) {
    const named = engines.find((engine) => engine.name === requested);
    if (named === undefined) {
      throw new HearthError(
        ErrorCode.EngineUnknown,
        `no engine ${requested}; the console places on ${engines.map((e) => e.name).join(', ')}`,
      );
    }
    if (!hasRoom(named)) {
      throw new HearthError(
        ErrorCode.EngineFull,
        `engine ${requested} holds ${load(named)} of ${named.capacity} workspaces`,
      );
    }
    return named.name;
  }
  const roomy = engines.filter(hasRoom);
  const emptiest = roomy.reduce<EngineCapacity | undefined>(
    (best, engine) => (best === undefined || load(engine) < load(best) ? engine : best),
    undefined,
  );
  if (emptiest === undefined) {
    throw new HearthError(ErrorCode.EngineFull, `every engine is full (${engines.map((e) => e.name).join(', ')})`);
  }
  return emptiest.name;
}
