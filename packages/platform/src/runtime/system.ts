import { randomUUID } from 'node:crypto';
import type { Clock, Ids } from '../ports/clock.js';

/** The real clock and ids a composition root passes to its use cases. */
export const systemClock: Clock = { now: () => new Date() };
export const randomIds: Ids = { next: () => randomUUID() };
