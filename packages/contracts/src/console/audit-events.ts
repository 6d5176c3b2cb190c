import { z } from 'zod';
import { AuditOutcome } from '../audit.js';
import { DriverName, Tier } from '../deployment.js';
import { envelopeOf } from '../envelope.js';
import { ErrorCode } from '../errors.js';
import { LeaseId } from '../leases.js';
import { OperatorRole, TokenName } from '../operator.js';
import { Slug } from '../slug.js';
import { SecretPath } from '../vault.js';

/**
 * What operators do at the console, as it publishes it to HATCH (`hatch.console.<action>`) in the
 * transaction of the action. A token event names the token and its role, never the token itself.
 */
const token = z.object({ name: TokenName, role: OperatorRole, outcome: AuditOutcome.extract(['OK']) }).strict();
const deployment = { workspace_slug: Slug, outcome: AuditOutcome.extract(['OK']) };

export const OperatorTokenCreatedV1 = envelopeOf('OperatorTokenCreatedV1', token);
export const OperatorTokenRevokedV1 = envelopeOf('OperatorTokenRevokedV1', token);
/** A browser session begun or ended at the web console, naming the token's holder; never the token or session secret. */
export const OperatorSignedInV1 = envelopeOf('OperatorSignedInV1', token);
export const OperatorSignedOutV1 = envelopeOf('OperatorSignedOutV1', token);
/** A sign-in with a token the console does not know: nobody to name, so only the refusal. */
export const OperatorSignInRefusedV1 = envelopeOf(
  'OperatorSignInRefusedV1',
  z.object({ outcome: AuditOutcome.extract(['DENIED']) }).strict(),
);
/** The deployment events an operator's request appended, under their own ids, without the sidecar specs. */
export const DeploymentRequestAuditedV1 = envelopeOf(
  'DeploymentRequestAuditedV1',
  z.object({ ...deployment, tier: Tier, driver: DriverName }).strict(),
);
export const DeploymentDeprovisionAuditedV1 = envelopeOf(
  'DeploymentDeprovisionAuditedV1',
  z.object(deployment).strict(),
);
export const DeploymentRetryAuditedV1 = envelopeOf('DeploymentRetryAuditedV1', z.object(deployment).strict());
/** A deployment's workloads restarted (all, or the one named). */
export const DeploymentRestartAuditedV1 = envelopeOf(
  'DeploymentRestartAuditedV1',
  z.object({ ...deployment, workload: Slug.optional() }).strict(),
);
/** An organisation, team or workspace added to the tenancy tree, under its creation event's id. */
export const TenantCreateAuditedV1 = envelopeOf(
  'TenantCreateAuditedV1',
  z.object({ kind: z.enum(['org', 'team', 'workspace']), slug: Slug, outcome: AuditOutcome.extract(['OK']) }).strict(),
);

/**
 * An operator's write to the vault made through the console (signed there as the console's own
 * principal, which the vault records as the actor of its own event): who asked, on what, and how the
 * vault answered — `error_code` its refusal's code. Never a value: the console only ever holds them sealed.
 */
const vaultAction = {
  outcome: AuditOutcome,
  error_code: z.enum(ErrorCode).optional(),
};
const atCredential = { path: SecretPath, workspace_slug: Slug.nullable(), ...vaultAction };
const atLease = { path: LeaseId, lease_id: LeaseId, ...vaultAction };
export const CredentialTestAuditedV1 = envelopeOf('CredentialTestAuditedV1', z.object(atCredential).strict());
export const CredentialRotateAuditedV1 = envelopeOf('CredentialRotateAuditedV1', z.object(atCredential).strict());
export const CredentialWriteAuditedV1 = envelopeOf('CredentialWriteAuditedV1', z.object(atCredential).strict());
export const LeaseRenewAuditedV1 = envelopeOf('LeaseRenewAuditedV1', z.object(atLease).strict());
export const LeaseRevokeAuditedV1 = envelopeOf('LeaseRevokeAuditedV1', z.object(atLease).strict());

export const ConsoleAuditEvent = z.discriminatedUnion('type', [
  OperatorTokenCreatedV1,
  OperatorTokenRevokedV1,
  OperatorSignedInV1,
  OperatorSignedOutV1,
  OperatorSignInRefusedV1,
  DeploymentRequestAuditedV1,
  DeploymentDeprovisionAuditedV1,
  DeploymentRetryAuditedV1,
  DeploymentRestartAuditedV1,
  TenantCreateAuditedV1,
  CredentialTestAuditedV1,
  CredentialRotateAuditedV1,
  CredentialWriteAuditedV1,
  LeaseRenewAuditedV1,
  LeaseRevokeAuditedV1,
]);
export type ConsoleAuditEvent = z.infer<typeof ConsoleAuditEvent>;
export type ConsoleAuditEventType = ConsoleAuditEvent['type'];

/** The HATCH subject of each console audit event: `hatch.console.<action>`. */
export const CONSOLE_AUDIT_ACTIONS = {
  OperatorTokenCreatedV1: 'token.create',
  OperatorTokenRevokedV1: 'token.revoke',
  OperatorSignedInV1: 'session.create',
  OperatorSignedOutV1: 'session.delete',
  OperatorSignInRefusedV1: 'session.refuse',
  DeploymentRequestAuditedV1: 'deployment.request',
  DeploymentDeprovisionAuditedV1: 'deployment.deprovision',
  DeploymentRetryAuditedV1: 'deployment.retry',
  DeploymentRestartAuditedV1: 'deployment.restart',
  TenantCreateAuditedV1: 'tenant.create',
  CredentialTestAuditedV1: 'credential.test',
  CredentialRotateAuditedV1: 'credential.rotate',
  CredentialWriteAuditedV1: 'credential.write',
  LeaseRenewAuditedV1: 'lease.renew',
  LeaseRevokeAuditedV1: 'lease.revoke',
} as const satisfies Record<ConsoleAuditEventType, string>;
