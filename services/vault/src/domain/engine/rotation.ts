/** What the rotation schedule looks at of an engine. */
export interface RotationSchedule {
  rotationDays: number | null;
  lastRotatedAt: Date | null;
  /** When the engine was last configured. */
  updatedAt: Date;
  /** A rotation in flight, if any. */
  rotation: object | null;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Whether an engine's root credential is due for its scheduled rotation at `now`: `rotation_days`
 * since it was last rotated, or since the engine was configured when it never was. An engine with no
 * schedule, or with a rotation already in flight (recovery finishes that one), is never due.
 */
export function rotationDue(engine: RotationSchedule, now: Date): boolean {
  if (engine.rotationDays === null || engine.rotation !== null) return false;
  const since = engine.lastRotatedAt ?? engine.updatedAt;
  return now.getTime() - since.getTime() >= engine.rotationDays * DAY_MS;
}
