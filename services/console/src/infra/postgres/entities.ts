import { DeploymentRefEntity } from './deployment-ref.entity.js';
import { OperatorTokenEntity } from './operator-token.entity.js';

export const consoleEntities = [DeploymentRefEntity, OperatorTokenEntity];
