import {
  CredentialDetails,
  CredentialTypeInfo,
  EngineHealth,
  EngineInfo,
  LeaseInfo,
  LeaseListRequest,
  LeaseRoleInfo,
  LeaseRoleListRequest,
  SecretListRequest,
  SecretMetadata,
  SecretVersionInfo,
} from '@hearth/contracts';
import { documentRoute, openApiDocumentOf as documentOf, type RouteDoc } from '@hearth/platform/nest';
import type { Type } from '@nestjs/common';
import { z } from 'zod';

/** The contracts a route names in its documentation; each becomes a component schema. */
const SCHEMAS = {
  SecretListRequest,
  SecretMetadataList: z.array(SecretMetadata),
  SecretVersionList: z.array(SecretVersionInfo),
  CredentialDetails,
  CredentialTypeList: z.array(CredentialTypeInfo),
  EngineInfo,
  EngineList: z.array(EngineInfo),
  EngineHealth,
  LeaseRoleListRequest,
  LeaseRoleInfo,
  LeaseRoleList: z.array(LeaseRoleInfo),
  LeaseListRequest,
  LeaseList: z.array(LeaseInfo),
};

/** Documents a vault route, naming only the vault's schemas. */
export const ApiRoute = (doc: RouteDoc<keyof typeof SCHEMAS>) => documentRoute(doc);

/** The vault's OpenAPI document: the operators' HTTP API (metadata only, never a value or a password). */
export function openApiDocumentOf(controllers: Type[]) {
  return documentOf({ title: 'Hearth vault', schemas: SCHEMAS }, controllers);
}
