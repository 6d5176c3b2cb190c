import { DeploymentRefEntity } from './deployment-ref.entity.js';
import { OperatorSessionEntity } from './operator-session.entity.js';
import { OperatorTokenEntity } from './operator-token.entity.js';
import { OrgEntity, TeamEntity, WorkspaceEntity } from './tenancy.entities.js';

export const consoleEntities = [
  DeploymentRefEntity,
  OperatorTokenEntity,
  OperatorSessionEntity,
  OrgEntity,
  TeamEntity,
  WorkspaceEntity,
];
