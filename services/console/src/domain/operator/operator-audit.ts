import {
  DeploymentRestartRequestedV1,
  type ConsoleAuditEvent,
  type DeploymentRef,
  type Envelope,
  type EventMetadata,
} from '@hearth/contracts';
import { slugOfTenant, type Tenant } from '../tenancy/tenancy.js';
import type { OperatorToken } from './operator.js';

/**
 * A token created or revoked, or a browser session opened or closed with it, as HATCH records it: its
 * name and role, never the token nor the session's secret.
 */
export function tokenAudit(
  type: 'OperatorTokenCreatedV1' | 'OperatorTokenRevokedV1' | 'OperatorSignedInV1' | 'OperatorSignedOutV1',
  token: OperatorToken,
  id: string,
  metadata: EventMetadata,
): ConsoleAuditEvent {
  return {
    id,
    type,
    stream: `operator-token-${token.name}`,
    version: 0,
    data: { name: token.name, role: token.role, outcome: 'OK' },
    metadata,
  };
}

/** A sign-in with a token nobody holds: there is no one to name. */
export function signInRefusedAudit(id: string, metadata: EventMetadata): ConsoleAuditEvent {
  return {
    id,
    type: 'OperatorSignInRefusedV1',
    stream: 'operator-sign-in',
    version: 0,
    data: { outcome: 'DENIED' },
    metadata,
  };
}

/**
 * The audit event of a stored deployment event an operator's request appended, under the event's
 * own id and metadata (its actor is the operator); null for what drivers report.
 */
export function deploymentAudit(
  event: Envelope,
  deployment: Pick<DeploymentRef, 'workspace_slug' | 'tier' | 'driver'>,
): ConsoleAuditEvent | null {
  const base = { id: event.id, stream: event.stream, version: event.version, metadata: event.metadata };
  const data = { workspace_slug: deployment.workspace_slug, outcome: 'OK' as const };
  switch (event.type) {
    case 'DeploymentRequestedV1':
      return {
        ...base,
        type: 'DeploymentRequestAuditedV1',
        data: { ...data, tier: deployment.tier, driver: deployment.driver },
      };
    case 'DeploymentDeprovisionRequestedV1':
      return { ...base, type: 'DeploymentDeprovisionAuditedV1', data };
    case 'DeploymentRetriedV1':
      return { ...base, type: 'DeploymentRetryAuditedV1', data };
    case 'DeploymentRestartRequestedV1': {
      const { workload } = DeploymentRestartRequestedV1.shape.data.parse(event.data);
      return { ...base, type: 'DeploymentRestartAuditedV1', data: { ...data, ...(workload ? { workload } : {}) } };
    }
    default:
      return null;
  }
}

/** The audit event of a tenant's creation, under its event's own id and metadata (an operator's). */
export function tenancyAudit(event: Envelope, tenant: Tenant): ConsoleAuditEvent {
  return {
    id: event.id,
    stream: event.stream,
    version: event.version,
    metadata: event.metadata,
    type: 'TenantCreateAuditedV1',
    data: { kind: tenant.kind, slug: slugOfTenant(tenant), outcome: 'OK' },
  };
}
