/**
 * How often a session's last_seen_at is written at most: a burst of requests costs one write, not one
 * each. A short idle period is written more often (a quarter of it), or a session in use would lapse.
 */
export const SESSION_TOUCH_MS = 30_000;

/** A browser session's times, as the rule below reads them. */
export interface SessionTimes {
  lastSeenAt: Date;
}

/** When a session left alone since `lastSeenAt` stops passing. */
export function idleExpiresAt({ lastSeenAt }: SessionTimes, idleMs: number): Date {
  return new Date(lastSeenAt.getTime() + idleMs);
}

/**
 * What a request at `now` makes of a session: `expired` once it was left alone for `idleMs` or more,
 * else `live`, and `touch` when its last_seen_at is old enough to be written again.
 */
export function sessionAt(
  session: SessionTimes,
  now: Date,
  idleMs: number,
): { state: 'expired' } | { state: 'live'; touch: boolean } {
  if (now.getTime() >= idleExpiresAt(session, idleMs).getTime()) return { state: 'expired' };
  const touchEvery = Math.min(SESSION_TOUCH_MS, idleMs / 4);
  return { state: 'live', touch: now.getTime() - session.lastSeenAt.getTime() >= touchEvery };
}
