import {
  CredentialRotateBody,
  CredentialRotation,
  CredentialTestResult,
  CredentialWriteBody,
  DeploymentHistory,
  DeploymentList,
  DeploymentListQuery,
  DeploymentRef,
  DeploymentRequest,
  LeaseRenewBody,
  LeaseRenewed,
  LeasesRevoked,
  Org,
  OrgCreateRequest,
  OrgList,
  ParkedList,
  RestartRequest,
  SecretWritten,
  Team,
  TeamCreateRequest,
  TeamList,
  TeamListQuery,
  TokenCreated,
  TokenCreateRequest,
  TokenList,
  TokenRevoked,
  VaultSealKey,
  Workspace,
  WorkspaceCreateRequest,
  WorkspaceList,
  WorkspaceListQuery,
} from '@hearth/contracts';
import { documentRoute, openApiDocumentOf as documentOf, type RouteDoc } from '@hearth/platform/nest';
import type { Type } from '@nestjs/common';

/** The contracts a route names in its documentation; each becomes a component schema. */
const SCHEMAS = {
  DeploymentRequest,
  DeploymentRef,
  DeploymentList,
  DeploymentListQuery,
  DeploymentHistory,
  RestartRequest,
  ParkedList,
  OrgCreateRequest,
  Org,
  OrgList,
  TeamCreateRequest,
  Team,
  TeamList,
  TeamListQuery,
  WorkspaceCreateRequest,
  Workspace,
  WorkspaceList,
  WorkspaceListQuery,
  TokenCreateRequest,
  TokenCreated,
  TokenRevoked,
  TokenList,
  VaultSealKey,
  CredentialTestResult,
  CredentialRotateBody,
  CredentialRotation,
  CredentialWriteBody,
  SecretWritten,
  LeaseRenewBody,
  LeaseRenewed,
  LeasesRevoked,
};

/** Documents a console route, naming only the console's schemas. */
export const ApiRoute = (doc: RouteDoc<keyof typeof SCHEMAS>) => documentRoute(doc);

/** The console's OpenAPI document, generated from its controllers and the zod contracts they validate with. */
export function openApiDocumentOf(controllers: Type[]) {
  return documentOf({ title: 'Hearth console', schemas: SCHEMAS }, controllers);
}
