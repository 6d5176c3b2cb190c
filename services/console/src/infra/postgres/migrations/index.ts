import { ConsoleSchema1763800000100 } from './1763800000100-console-schema.js';

/** The console's own migrations; openDatabase runs the platform's (events, outbox…) with them. */
export const consoleMigrations = [ConsoleSchema1763800000100];
