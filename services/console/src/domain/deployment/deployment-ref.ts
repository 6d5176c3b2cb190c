import { workspaceSecretsPointer, type DeploymentRef } from '@hearth/contracts';
import type { Deployment } from './deployment.js';

/** The DeploymentRef a deployment projects to: routing metadata and the vault pointer only. */
export function deploymentRefOf(deployment: Deployment): DeploymentRef {
  return {
    workspace_slug: deployment.slug,
    tier: deployment.tier,
    driver: deployment.driver,
    engine: deployment.engine,
    endpoint: deployment.endpoint,
    secrets_vault_path: workspaceSecretsPointer(deployment.slug),
    created: deployment.requestedAt,
    last_status: deployment.status,
  };
}
