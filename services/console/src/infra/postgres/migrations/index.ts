import { ConsoleSchema1763800000100 } from './1763800000100-console-schema.js';
import { Tenancy1767000000100 } from './1767000000100-tenancy.js';
import { DeploymentRefsNotify1767200000100 } from './1767200000100-deployment-refs-notify.js';

/** The console's own migrations; openDatabase runs the platform's (events, outbox…) with them. */
export const consoleMigrations = [ConsoleSchema1763800000100, Tenancy1767000000100, DeploymentRefsNotify1767200000100];
