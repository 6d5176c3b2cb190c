import {
  DeploymentRestartRequestedV1,
  ERROR_KINDS,
  scopeOfPath,
  type AuditOutcome,
  type ConsoleAuditEvent,
  type DeploymentRef,
  type Envelope,
  type ErrorCode,
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

/** What an operator asked the vault for through the console, and on what. */
export type VaultWrite =
  | { type: 'CredentialTestAuditedV1' | 'CredentialRotateAuditedV1' | 'CredentialWriteAuditedV1'; path: string }
  | { type: 'LeaseRenewAuditedV1' | 'LeaseRevokeAuditedV1'; leaseId: string };

/** How the vault's refusal reads in HATCH: denied, not found, or failed (null: it did it). */
function outcomeOf(refusal: ErrorCode | null): AuditOutcome {
  if (refusal === null) return 'OK';
  switch (ERROR_KINDS[refusal]) {
    case 'forbidden':
    case 'unauthenticated':
      return 'DENIED';
    case 'not_found':
      return 'NOT_FOUND';
    case 'invalid':
    case 'conflict':
    case 'throttled':
    case 'unavailable':
    case 'internal':
      return 'FAILED';
  }
}

/**
 * An operator's write to the vault as HATCH records it for the console, beside the vault's own event
 * (whose actor is the console's principal): the operator in the metadata, what was asked on which
 * credential or lease, and the vault's answer. Never a value: the console never holds one in clear.
 */
export function vaultWriteAudit(
  write: VaultWrite,
  refusal: ErrorCode | null,
  id: string,
  metadata: EventMetadata,
): ConsoleAuditEvent {
  const answer = { outcome: outcomeOf(refusal), ...(refusal === null ? {} : { error_code: refusal }) };
  const base = { id, stream: `${write.type}-${id}`, version: 0, metadata };
  if ('leaseId' in write) {
    return { ...base, type: write.type, data: { path: write.leaseId, lease_id: write.leaseId, ...answer } };
  }
  const scope = scopeOfPath(write.path);
  const workspace = scope?.kind === 'workspace' ? scope.slug : null;
  return { ...base, type: write.type, data: { path: write.path, workspace_slug: workspace, ...answer } };
}
