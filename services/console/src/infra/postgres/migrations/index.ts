import { ConsoleSchema1763800000100 } from './1763800000100-console-schema.js';
import { Tenancy1767000000100 } from './1767000000100-tenancy.js';
import { DeploymentRefsNotify1767200000100 } from './1767200000100-deployment-refs-notify.js';
import { DeploymentEngines1767400000100 } from './1767400000100-deployment-engines.js';
import { OperatorSessions1767600000100 } from './1767600000100-operator-sessions.js';
import { OperatorSessionsLastSeen1767700000100 } from './1767700000100-operator-sessions-last-seen.js';

/** The console's own migrations; openDatabase runs the platform's (events, outbox…) with them. */
export const consoleMigrations = [
  ConsoleSchema1763800000100,
  Tenancy1767000000100,
  DeploymentRefsNotify1767200000100,
  DeploymentEngines1767400000100,
  OperatorSessions1767600000100,
  OperatorSessionsLastSeen1767700000100,
];
