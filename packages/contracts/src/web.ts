/**
 * The browser-safe entry of contracts (`@hearth/contracts/web`): the schemas and types the web console
 * needs, and nothing that pulls NATS, libsodium or a `node:` module into a browser bundle. Add a name
 * here only from a module whose imports are zod and other such modules (web.unit.spec.ts checks it).
 */
export { ErrorCode, type ErrorBody, type FieldRefusal } from './errors.js';
export { Slug } from './slug.js';
export { imageBaseName, sidecarCatalogEntryOf, SIDECAR_CATALOG, type KnownSidecarImage } from './sidecar-catalog.js';
export {
  DeploymentHistory,
  DeploymentHistoryEntry,
  DeploymentList,
  DeploymentRef,
  DeploymentRequest,
  DriverName,
  MAX_SIDECARS,
  MAX_WORKLOADS,
  SidecarSpec,
  Status,
  Tier,
  WorkloadSpec,
  looksLikeCredential,
} from './deployment.js';
export {
  BOOTSTRAP_ADMIN,
  OperatorRole,
  TokenCreated,
  TokenCreateRequest,
  TokenList,
  TokenName,
  TokenRevoked,
  TokenSummary,
} from './operator.js';
export { Permission, Session, SessionCreate } from './session.js';
export { Org, OrgList, Team, TeamList, Workspace, WorkspaceList } from './tenancy.js';
export { Provider, SecretMetadata, SecretPath, SecretVersionInfo, SecretWritten } from './vault.js';
export {
  CredentialCategory,
  CredentialTypeInfo,
  DEFAULT_ENVIRONMENT,
  FieldKind,
  GENERIC_TYPE,
  TestStatus,
  isSecretKind,
} from './credential-types.js';
export { CredentialDetails, CredentialHistoryEntry, CredentialRotation, CredentialTestResult } from './credentials.js';
export { EngineInfo, LeaseInfo, LeaseRenewed, LeasesRevoked, LeaseState } from './leases.js';
export { AuditOutcome } from './audit.js';
export { AuditCheckpoint, AuditRecord, AuditRecordPage, AuditVerification } from './hatch-api.js';
export { CredentialRotateBody, CredentialWriteBody, LeaseRenewBody, VaultSealKey } from './console/vault-writes.js';
