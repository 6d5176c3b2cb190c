import { z } from 'zod';
import {
  AuditRecordPage,
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
  OperatorRole,
  OrgList,
  SecretMetadata,
  TeamList,
  TokenCreated,
  TokenRevoked,
  WorkspaceList,
  type DeploymentRequest,
} from '@hearth/contracts/web';
import { encodePath, queryOf, request } from './client';
import { AuditVerification, Session } from './pending-contracts';

/** Every route the console's pages call, each with the schema its answer must match. */

export const TokenInfo = z
  .object({ name: z.string(), role: OperatorRole, created_by: z.string(), created_at: z.iso.datetime() })
  .loose();
export type TokenInfo = z.infer<typeof TokenInfo>;
const TokenList = z.union([z.array(TokenInfo), z.object({ items: z.array(TokenInfo) }).loose()]);
const SealKey = z.object({ public_key: z.string() }).loose();
const Anything = z.unknown();

export const api = {
  session: () => request(Session, '/v1/session', { quietUnauthenticated: true }),
  signIn: (token: string) =>
    request(Session, '/v1/session', { method: 'POST', body: { token }, quietUnauthenticated: true }),
  signOut: () => request(Anything, '/v1/session', { method: 'DELETE', quietUnauthenticated: true }),

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
  rotateCredential: (path: string, sealedValues?: string) =>
    request(CredentialRotation, `/v1/vault/credentials/${encodePath(path)}/rotate`, {
      method: 'POST',
      body: sealedValues === undefined ? {} : { sealed_values: sealedValues },
    }),
  writeCredential: (path: string, body: Record<string, unknown>) =>
    request(Anything, `/v1/vault/credentials/${encodePath(path)}`, { method: 'PUT', body }),
  vaultSealKey: () => request(SealKey, '/v1/vault-seal-key'),

  leases: (state?: string) => request(z.array(LeaseInfo), `/v1/vault/leases${queryOf({ state })}`),
  engines: () => request(z.array(EngineInfo), '/v1/vault/engines'),
  renewLease: (id: string) =>
    request(LeaseRenewed, `/v1/vault/leases/${encodeURIComponent(id)}/renew`, { method: 'POST', body: {} }),
  revokeLease: (id: string) =>
    request(z.union([LeasesRevoked, Anything]), `/v1/vault/leases/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  auditRecords: (filter: Record<string, string | undefined>, beforeSeq?: number) =>
    request(
      AuditRecordPage,
      `/v1/audit/records${queryOf({ ...filter, order: 'desc', limit: 100, before_seq: beforeSeq })}`,
    ),
  auditVerification: () => request(AuditVerification, '/v1/audit/verification'),

  tokens: async () => {
    const list = await request(TokenList, '/v1/tokens');
    return Array.isArray(list) ? list : list.items;
  },
  createToken: (name: string, role: OperatorRole) =>
    request(TokenCreated, '/v1/tokens', { method: 'POST', body: { name, role } }),
  revokeToken: (name: string) => request(TokenRevoked, `/v1/tokens/${encodeURIComponent(name)}`, { method: 'DELETE' }),
};
