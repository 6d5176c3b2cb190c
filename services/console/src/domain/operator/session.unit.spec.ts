import { describe, expect, it } from '@jest/globals';
import { idleExpiresAt, SESSION_TOUCH_MS, sessionAt } from './session.js';

const IDLE_MS = 30 * 60_000;
const lastSeenAt = new Date('2027-01-01T10:00:00.000Z');
const after = (ms: number) => new Date(lastSeenAt.getTime() + ms);

describe('a browser session over time', () => {
  it('expires once it was left alone for the idle period, not a millisecond before', () => {
    expect(idleExpiresAt({ lastSeenAt }, IDLE_MS)).toEqual(after(IDLE_MS));
    expect(sessionAt({ lastSeenAt }, after(IDLE_MS - 1), IDLE_MS).state).toBe('live');
    expect(sessionAt({ lastSeenAt }, after(IDLE_MS), IDLE_MS)).toEqual({ state: 'expired' });
  });

  it('is written again only once its last sighting is old enough', () => {
    expect(sessionAt({ lastSeenAt }, after(SESSION_TOUCH_MS - 1), IDLE_MS)).toEqual({ state: 'live', touch: false });
    expect(sessionAt({ lastSeenAt }, after(SESSION_TOUCH_MS), IDLE_MS)).toEqual({ state: 'live', touch: true });
  });

  it('is written every quarter of a short idle period, so a session in use does not lapse', () => {
    expect(sessionAt({ lastSeenAt }, after(249), 1_000)).toEqual({ state: 'live', touch: false });
    expect(sessionAt({ lastSeenAt }, after(250), 1_000)).toEqual({ state: 'live', touch: true });
    expect(sessionAt({ lastSeenAt }, after(1_000), 1_000)).toEqual({ state: 'expired' });
  });
});
