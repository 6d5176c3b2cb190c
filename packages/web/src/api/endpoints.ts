import { z } from 'zod';
import {
  AuditRecordPage,
  AuditVerification,
  CredentialDetails,
  CredentialRotation,
  CredentialTestResult,
  CredentialTypeInfo,
  DeploymentHistory,
  DeploymentList,
  DeploymentRef,
  EngineInfo,
  LeaseInfo,
  LeaseRenewed,
  LeasesRevoked,
  type OperatorRole,
  OrgList,
  SecretMetadata,
  SecretWritten,
  Session,
  TeamList,
  TokenCreated,
  TokenList,
  TokenRevoked,
  VaultSealKey,
  WorkspaceList,
  type CredentialRotateBody,
  type CredentialWriteBody,
  type DeploymentRequest,
  type LeaseRenewBody,
} from '@hearth/contracts/web';
import { encodePath, queryOf, request } from './client';

/** Every route the console's pages call, each with the schema its answer must match. */

/** `DELETE /v1/session` answers 204: nothing to check. */
const NoContent = z.undefined();

export const api = {
  session: () => request(Session, '/v1/session', { quietUnauthenticated: true }),
  signIn: (token: string) =>
    request(Session, '/v1/session', { method: 'POST', body: { token }, quietUnauthenticated: true }),
  signOut: () => request(NoContent, '/v1/session', { method: 'DELETE', quietUnauthenticated: true }),

  deployments: (cursor?: string) => request(DeploymentList, `/v1/deployments${queryOf({ limit: 500, cursor })}`),
  deployment: (slug: string) => request(DeploymentRef, `/v1/deployments/${encodeURIComponent(slug)}`),
  deploymentHistory: (slug: string) =>
    request(DeploymentHistory, `/v1/deployments/${encodeURIComponent(slug)}/history`),
  createDeployment: (body: DeploymentRequest) => request(DeploymentRef, '/v1/deployments', { method: 'POST', body }),
  restartDeployment: (slug: string) =>
    request(DeploymentRef, `/v1/deployments/${encodeURIComponent(slug)}/restart`, { method: 'POST', body: {} }),
  deprovisionDeployment: (slug: string) =>
    request(DeploymentRef, `/v1/deployments/${encodeURIComponent(slug)}`, { method: 'DELETE' }),

  orgs: () => request(OrgList, '/v1/orgs'),
  teams: () => request(TeamList, '/v1/teams'),
  workspaces: () => request(WorkspaceList, '/v1/workspaces'),

  credentials: (prefix: string) => request(z.array(SecretMetadata), `/v1/vault/credentials${queryOf({ prefix })}`),
  credential: (path: string) => request(CredentialDetails, `/v1/vault/credentials/${encodePath(path)}`),
  credentialTypes: () => request(z.array(CredentialTypeInfo), '/v1/vault/credential-types'),
  testCredential: (path: string) =>
    request(CredentialTestResult, `/v1/vault/credentials/${encodePath(path)}/test`, { method: 'POST', body: {} }),
  rotateCredential: (path: string, body: CredentialRotateBody = {}) =>
    request(CredentialRotation, `/v1/vault/credentials/${encodePath(path)}/rotate`, { method: 'POST', body }),
  writeCredential: (path: string, body: CredentialWriteBody) =>
    request(SecretWritten, `/v1/vault/credentials/${encodePath(path)}`, { method: 'PUT', body }),
  vaultSealKey: () => request(VaultSealKey, '/v1/vault-seal-key'),

  leases: (state?: string) => request(z.array(LeaseInfo), `/v1/vault/leases${queryOf({ state })}`),
  engines: () => request(z.array(EngineInfo), '/v1/vault/engines'),
  // A lease id is `<engine>/creds/<role>/<id>`: its slashes go as they are (encodePath), the routes take them so.
  renewLease: (id: string, body: LeaseRenewBody = {}) =>
    request(LeaseRenewed, `/v1/vault/leases/${encodePath(id)}/renew`, { method: 'POST', body }),
  revokeLease: (id: string) => request(LeasesRevoked, `/v1/vault/leases/${encodePath(id)}`, { method: 'DELETE' }),

  auditRecords: (filter: Record<string, string | undefined>, beforeSeq?: number) =>
    request(
      AuditRecordPage,
      `/v1/audit/records${queryOf({ ...filter, order: 'desc', limit: 100, before_seq: beforeSeq })}`,
    ),
  auditVerification: () => request(AuditVerification, '/v1/audit/verification'),

  tokens: async () => (await request(TokenList, '/v1/tokens')).items,
  createToken: (name: string, role: OperatorRole) =>
    request(TokenCreated, '/v1/tokens', { method: 'POST', body: { name, role } }),
  revokeToken: (name: string) => request(TokenRevoked, `/v1/tokens/${encodeURIComponent(name)}`, { method: 'DELETE' }),
};
